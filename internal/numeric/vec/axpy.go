package vec

// Axpy sets dst[i] += a·x[i] for i < len(dst); x must be at least as long
// as dst. On the avx2, avx512 and neon paths the product and sum are one
// fused multiply-add, elsewhere two roundings.
func Axpy(dst []float32, a float32, x []float32) {
	n := len(dst)
	x = x[:n]
	i := 0
	switch {
	case useAVX2() && n >= 8:
		i = n &^ 7
		axpyAVX2(&dst[0], &x[0], a, i)
	case useNEON() && n >= 4:
		i = n &^ 3
		axpyNEON(&dst[0], &x[0], a, i)
	}
	for ; i < n; i++ {
		dst[i] += a * x[i]
	}
}
