package vec

// HardSigmoid sets dst[i] = max(0, min(1, alpha·x + beta)) for x = src[i],
// i < len(dst), times x as well when swish (ONNX HardSwish is alpha 1/6,
// beta 1/2, swish). A NaN input gives NaN. src must be at least as long as
// dst; dst may be src.
func HardSigmoid(dst, src []float32, alpha, beta float32, swish bool) {
	n := len(dst)
	src = src[:n]
	i := 0
	if useAVX2() && n >= 8 {
		i = n &^ 7
		sw := 0
		if swish {
			sw = 1
		}
		hardSigmoidAVX2(&dst[0], &src[0], alpha, beta, i, sw)
	}
	for ; i < n; i++ {
		x := src[i]
		v := alpha*x + beta
		if v < 0 {
			v = 0
		}
		if v > 1 {
			v = 1
		}
		if swish {
			v *= x
		}
		dst[i] = v
	}
}
