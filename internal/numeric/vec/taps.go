package vec

// Taps sets dst[i] = bias + Σ_t w[t]·x[offs[t]+i] for i < len(dst): every
// tap of a depthwise convolution over a plane at once, the sum of each
// output vector kept in registers across the taps (one store per output
// instead of one load and store per tap, as Axpy tap by tap costs). The
// taps are summed in order, each by a fused multiply-add on the vector
// paths (AVX-512 with a masked tail, AVX2, NEON), by a product and a sum
// elsewhere. w and offs have one entry per tap; every offset must be >= 0
// and x at least max(offs)+len(dst) long. dst must not overlap x.
func Taps(dst []float32, bias float32, w []float32, offs []int, x []float32) {
	n := len(dst)
	if len(w) != len(offs) {
		panic("vec: Taps: weights and offsets differ in length")
	}
	if n == 0 {
		return
	}
	for _, o := range offs {
		if o < 0 || o+n > len(x) {
			panic("vec: Taps: offset out of range")
		}
	}
	if len(w) == 0 {
		for i := range dst {
			dst[i] = bias
		}
		return
	}
	i := 0
	switch {
	case useAVX512():
		tapsAVX512(&dst[0], n, bias, &w[0], &offs[0], len(w), &x[0])
		return
	case useAVX2() && n >= 8:
		i = n &^ 7
		tapsAVX2(&dst[0], i, bias, &w[0], &offs[0], len(w), &x[0])
	case useNEON() && n >= 4:
		i = n &^ 3
		tapsNEON(&dst[0], i, bias, &w[0], &offs[0], len(w), &x[0])
	}
	for ; i < n; i++ {
		s := bias
		for t, o := range offs {
			s += w[t] * x[o+i]
		}
		dst[i] = s
	}
}
