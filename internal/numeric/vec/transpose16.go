package vec

// Transpose16 sets dst[j·ldd+i] = src[i·lds+j] for i < r and j < c, r and
// c at most 16: a tile of up to 16×16 transposed, for moving between a
// layout of planes and one of 16 interleaved channels a pixel. It reads
// only those elements of src and writes only those of dst. On the
// AVX-512 path it is one round of register shuffles; elsewhere a loop.
func Transpose16(dst []float32, ldd int, src []float32, lds int, r, c int) {
	switch {
	case r < 0 || c < 0 || r > 16 || c > 16:
		panic("vec: Transpose16: tile larger than 16x16")
	case r == 0 || c == 0:
		return
	case lds < c || ldd < r:
		panic("vec: Transpose16: row stride shorter than a row")
	case len(src) < (r-1)*lds+c || len(dst) < (c-1)*ldd+r:
		panic("vec: Transpose16: operand too short")
	}
	if useAVX512() {
		transpose16AVX512(&dst[0], ldd, &src[0], lds, r, c)
		return
	}
	for i := 0; i < r; i++ {
		for j, v := range src[i*lds : i*lds+c] {
			dst[j*ldd+i] = v
		}
	}
}

// Transpose16Fast reports whether Transpose16 runs as register shuffles
// (the AVX-512 path) rather than an element-by-element loop, which makes
// layouts of 16 interleaved channels cost more than they save.
func Transpose16Fast() bool { return useAVX512() }
