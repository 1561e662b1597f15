package vec

import "math"

// Sigmoid sets dst[i] = 1/(1+e^-src[i]) for i < len(dst), to about 2e-7
// absolute (the AVX2 loop: e^-|x| by range reduction and a degree-6
// polynomial, as importer's scalar sigmoid32); src must be at least as
// long as dst, and dst may be src. NaN stays NaN.
func Sigmoid(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	i := 0
	if useAVX2() && n >= 8 {
		i = n &^ 7
		sigmoidAVX2(&dst[0], &src[0], i, 0)
	}
	for ; i < n; i++ {
		dst[i] = float32(1 / (1 + math.Exp(-float64(src[i]))))
	}
}

// SiLU sets dst[i] = x·Sigmoid(x) for x = src[i], i < len(dst) (the
// sigmoid rounded to float32, then the product, as the two ONNX nodes
// Sigmoid and Mul that exporters write for it compute); src must be at
// least as long as dst, and dst may be src.
func SiLU(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	i := 0
	if useAVX2() && n >= 8 {
		i = n &^ 7
		sigmoidAVX2(&dst[0], &src[0], i, 1)
	}
	for ; i < n; i++ {
		x := src[i]
		dst[i] = x * float32(1/(1+math.Exp(-float64(x))))
	}
}
