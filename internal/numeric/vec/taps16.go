package vec

// Lanes16 is how many channels Taps16 computes at once: its vectors hold
// one value per channel, interleaved.
const Lanes16 = 16

// Taps16 sets, for i < n and l < 16,
//
//	dst[16·i+l] = bias[l] + Σ_t w[16·t+l]·x[offs[t]+step·i+l]
//
// every tap of a depthwise convolution over 16 channels at once, laid
// out channel-interleaved (16 consecutive floats per pixel): output
// pixel i of a row reads the input at step floats per output pixel (16
// times the stride). Each tap multiplies a vector of 16 per-channel
// weights, so small planes (a 7x7 output) cost no per-plane overhead.
// The taps are summed in order, by a fused multiply-add on the vector
// paths (AVX-512, AVX2), by a product and a sum elsewhere. offs has one
// entry per tap, w 16 per tap; every offset must be >= 0 and x at least
// max(offs)+step·(n-1)+16 long. dst must not overlap x.
func Taps16(dst []float32, n int, bias, w []float32, offs []int, x []float32, step int) {
	taps := len(offs)
	switch {
	case n < 0 || step < 0:
		panic("vec: Taps16: negative n or step")
	case len(dst) < 16*n:
		panic("vec: Taps16: dst shorter than 16·n")
	case len(bias) < 16:
		panic("vec: Taps16: fewer than 16 biases")
	case len(w) < 16*taps:
		panic("vec: Taps16: fewer than 16 weights a tap")
	}
	if n == 0 {
		return
	}
	for _, o := range offs {
		if o < 0 || o+step*(n-1)+16 > len(x) {
			panic("vec: Taps16: offset out of range")
		}
	}
	switch {
	case taps == 0:
		for i := 0; i < n; i++ {
			copy(dst[16*i:16*i+16], bias[:16])
		}
	case useAVX512():
		taps16AVX512(&dst[0], n, &bias[0], &w[0], &offs[0], taps, &x[0], step)
	case useAVX2():
		taps16AVX2(&dst[0], n, &bias[0], &w[0], &offs[0], taps, &x[0], step)
	default:
		var acc [16]float32
		for i := 0; i < n; i++ {
			copy(acc[:], bias[:16])
			for t, o := range offs {
				xs := x[o+step*i : o+step*i+16]
				ws := w[16*t : 16*t+16]
				for l := range acc {
					acc[l] += ws[l] * xs[l]
				}
			}
			copy(dst[16*i:16*i+16], acc[:])
		}
	}
}
