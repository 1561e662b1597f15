package vec

import "math"

// GeluErf sets dst[i] = x/2·(1 + erf(x/√2)) for x = src[i], i < len(dst),
// to about 5e-7 of max(1, |x|) (the AVX2 loop: erf by Abramowitz and
// Stegun 7.1.26, as importer's scalar erf32); src must be at least as
// long as dst, and dst may be src. NaN stays NaN.
func GeluErf(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	i := 0
	if useAVX2() && n >= 8 {
		i = n &^ 7
		geluErfAVX2(&dst[0], &src[0], i)
	}
	for ; i < n; i++ {
		x := float64(src[i])
		dst[i] = float32(0.5 * x * (1 + math.Erf(x/math.Sqrt2)))
	}
}
