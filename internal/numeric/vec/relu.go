package vec

import "math"

// ReLU sets dst[i] = max(src[i], 0) for i < len(dst), clearing every value
// whose sign bit is set (-0 and negative NaNs become +0, as AddReLU and
// the importer's scalar ReLU do); src must be at least as long as dst,
// and dst may be src.
func ReLU(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	i := 0
	if useAVX2() && n >= 8 {
		i = n &^ 7
		reluAVX2(&dst[0], &src[0], i)
	}
	for ; i < n; i++ {
		b := math.Float32bits(src[i])
		dst[i] = math.Float32frombits(b &^ uint32(int32(b)>>31))
	}
}

// Scale sets dst[i] = s·src[i] for i < len(dst) (squeeze-and-excitation's
// per-channel scale of a plane); src must be at least as long as dst, and
// dst may be src.
func Scale(dst []float32, s float32, src []float32) {
	n := len(dst)
	src = src[:n]
	i := 0
	if useAVX2() && n >= 8 {
		i = n &^ 7
		scaleAVX2(&dst[0], &src[0], s, i)
	}
	for ; i < n; i++ {
		dst[i] = s * src[i]
	}
}

// Sum returns the sum of x's elements: on the vector paths in 32
// interleaved partial sums (then a pairwise reduction and the scalar
// tail), elsewhere in order. Global average pooling's plane sums.
func Sum(x []float32) float32 {
	n := len(x)
	i := 0
	var s float32
	if useAVX2() && n >= 32 {
		i = n &^ 31
		s = sumAVX2(&x[0], i)
	}
	for ; i < n; i++ {
		s += x[i]
	}
	return s
}
