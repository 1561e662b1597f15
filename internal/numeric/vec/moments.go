package vec

// The loops of training-mode BatchNormalization and of ReLU's backward
// pass: a channel's statistics over its planes, the normalisation, and
// the gradient of the input.

// SumSquaredDeviation returns Σ (x[i] - m)² over x (a channel's variance
// about its mean, plane by plane): on the vector paths in 32 interleaved
// partial sums, each square and sum one fused multiply-add, elsewhere in
// order.
func SumSquaredDeviation(x []float32, m float32) float32 {
	n := len(x)
	i := 0
	var s float32
	if useMoments() && n >= 32 {
		i = n &^ 31
		s = sumSqDevAVX2(&x[0], m, i)
	}
	for ; i < n; i++ {
		d := x[i] - m
		s += d * d
	}
	return s
}

// SumAndDotDeviation returns Σ g[i] and Σ g[i]·(x[i] - m) over i <
// len(g) (BatchNormalization's backward sums); x must be at least as long
// as g. On the vector paths in 16 interleaved partial sums each.
func SumAndDotDeviation(g, x []float32, m float32) (sg, sgx float32) {
	n := len(g)
	x = x[:n]
	i := 0
	if useMoments() && n >= 16 {
		i = n &^ 15
		sg, sgx = sumDotDevAVX2(&g[0], &x[0], m, i)
	}
	for ; i < n; i++ {
		sg += g[i]
		sgx += g[i] * (x[i] - m)
	}
	return sg, sgx
}

// Affine sets dst[i] = a·src[i] + b for i < len(dst) (a normalised
// plane); src must be at least as long as dst, and dst may be src. On the
// vector paths the product and sum are one fused multiply-add.
func Affine(dst, src []float32, a, b float32) {
	n := len(dst)
	src = src[:n]
	i := 0
	if useMoments() && n >= 8 {
		i = n &^ 7
		affineAVX2(&dst[0], &src[0], a, b, i)
	}
	for ; i < n; i++ {
		dst[i] = a*src[i] + b
	}
}

// AddAffineDeviation adds a·g[i] + b·(x[i] - m) + c to dst[i] for i <
// len(dst) (BatchNormalization's input gradient); g and x must be at
// least as long as dst.
func AddAffineDeviation(dst, g, x []float32, a, b, m, c float32) {
	n := len(dst)
	g, x = g[:n], x[:n]
	i := 0
	if useMoments() && n >= 8 {
		i = n &^ 7
		addAffineDevAVX2(&dst[0], &g[0], &x[0], a, b, m, c, i)
	}
	for ; i < n; i++ {
		dst[i] += a*g[i] + b*(x[i]-m) + c
	}
}

// AddWherePositive adds g[i] to dst[i] where x[i] > 0, for i < len(dst)
// (ReLU's backward pass; a NaN x passes nothing); g and x must be at
// least as long as dst.
func AddWherePositive(dst, g, x []float32) {
	n := len(dst)
	g, x = g[:n], x[:n]
	i := 0
	if useMoments() && n >= 8 {
		i = n &^ 7
		addWherePositiveAVX2(&dst[0], &g[0], &x[0], i)
	}
	for ; i < n; i++ {
		if x[i] > 0 {
			dst[i] += g[i]
		}
	}
}
