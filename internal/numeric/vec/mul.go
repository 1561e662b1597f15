package vec

// Mul sets dst[i] = a[i]·b[i] for i < len(dst); a and b must be at least
// as long as dst, and dst may be either.
func Mul(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	if useAVX2() && n >= 8 {
		i = n &^ 7
		mulAVX2(&dst[0], &a[0], &b[0], i)
	}
	for ; i < n; i++ {
		dst[i] = a[i] * b[i]
	}
}
