package vec

import "math"

// Max sets dst[i] = max(a[i], b[i]) for i < len(dst); a and b must be at
// least as long as dst. dst may be a or b.
func Max(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	if useAVX2() && n >= 8 {
		i = n &^ 7
		maxAVX2(&dst[0], &a[0], &b[0], i)
	}
	for ; i < n; i++ {
		dst[i] = max(a[i], b[i])
	}
}

// Add sets dst[i] = a[i] + b[i] for i < len(dst); a and b must be at
// least as long as dst.
func Add(dst, a, b []float32) { add(dst, a, b, 0) }

// AddReLU sets dst[i] = ReLU(a[i] + b[i]) for i < len(dst), where ReLU
// clears values with the sign bit set; a and b must be at least as long
// as dst.
func AddReLU(dst, a, b []float32) { add(dst, a, b, 1) }

func add(dst, a, b []float32, relu int) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	if useAVX2() && n >= 8 {
		i = n &^ 7
		addAVX2(&dst[0], &a[0], &b[0], i, relu)
	}
	for ; i < n; i++ {
		v := a[i] + b[i]
		if relu != 0 {
			u := math.Float32bits(v)
			v = math.Float32frombits(u &^ uint32(int32(u)>>31))
		}
		dst[i] = v
	}
}

// Max3 sets dst[i] = max(a[i], b[i], c[i]) for i < len(dst) (NaN if any
// is NaN); a, b and c must be at least as long as dst.
func Max3(dst, a, b, c []float32) {
	n := len(dst)
	a, b, c = a[:n], b[:n], c[:n]
	i := 0
	if useAVX2() && n >= 8 {
		i = n &^ 7
		max3AVX2(&dst[0], &a[0], &b[0], &c[0], i)
	}
	for ; i < n; i++ {
		dst[i] = max(a[i], b[i], c[i])
	}
}

// MaxWindow3Stride2 sets dst[i] = max(src[2i], src[2i+1], src[2i+2]) for
// i < len(dst) (NaN if any is NaN): the columns of a 3-wide, stride-2
// max pooling window. src must hold at least 2·len(dst)+1 values; one
// more lets the vector loop cover the last window too.
func MaxWindow3Stride2(dst, src []float32) {
	n := len(dst)
	_ = src[2*n] // bounds check
	i := 0
	if useAVX2() {
		// The vector loop reads one value past the last window.
		if m := min(n, (len(src)-2)/2) &^ 7; m > 0 {
			window3s2AVX2(&dst[0], &src[0], m)
			i = m
		}
	}
	for ; i < n; i++ {
		dst[i] = max(src[2*i], src[2*i+1], src[2*i+2])
	}
}

// Deinterleave sets even[i] = src[2i] and odd[i] = src[2i+1]: the even
// and odd columns of a row (a stride-2 convolution's phase images). even
// must hold (len(src)+1)/2 values and odd len(src)/2; extra room is left
// untouched.
func Deinterleave(even, odd, src []float32) {
	ne, no := (len(src)+1)/2, len(src)/2
	even, odd = even[:ne], odd[:no]
	i := 0
	if useAVX2() && no >= 8 {
		i = no &^ 7
		deinterleaveAVX2(&even[0], &odd[0], &src[0], i)
	}
	for ; i < no; i++ {
		even[i], odd[i] = src[2*i], src[2*i+1]
	}
	if ne > no {
		even[no] = src[2*no]
	}
}
