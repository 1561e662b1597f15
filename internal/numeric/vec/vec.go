package vec

import "math"

// Max sets dst[i] = max(a[i], b[i]) for i < len(dst); a and b must be at
// least as long as dst. dst may be a or b.
func Max(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	if hasAVX2 && n >= 8 {
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
	if hasAVX2 && n >= 8 {
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
