package vmax

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
