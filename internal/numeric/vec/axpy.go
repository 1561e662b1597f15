package vec

// Axpy sets dst[i] += a·x[i] for i < len(dst); x must be at least as long
// as dst. On the avx2 and avx512 paths the product and sum are one fused
// multiply-add, elsewhere two roundings.
func Axpy(dst []float32, a float32, x []float32) {
	n := len(dst)
	x = x[:n]
	i := 0
	if useAVX2() && n >= 8 {
		i = n &^ 7
		axpyAVX2(&dst[0], &x[0], a, i)
	}
	for ; i < n; i++ {
		dst[i] += a * x[i]
	}
}
