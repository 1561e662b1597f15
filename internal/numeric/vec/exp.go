package vec

import "math"

// ExpNegAbs sets dst[i] = e^-|src[i]| for i < len(dst), to about 2 ulp
// (the AVX2 loop of Sigmoid: range reduction and a degree-6 polynomial;
// below e^-87.33 it gives e^-87.33); src must be at least as long as
// dst, and dst may be src. A softmax's exponentials, of logits less
// their maximum, are never positive. NaN stays NaN.
func ExpNegAbs(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	i := 0
	if useAVX2() && n >= 8 {
		i = n &^ 7
		sigmoidAVX2(&dst[0], &src[0], i, 2)
	}
	for ; i < n; i++ {
		dst[i] = float32(math.Exp(-math.Abs(float64(src[i]))))
	}
}
