package importer

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Winograd F(4×4, 3×3) against naiveConv over shapes whose tiles do not
// fill the output (odd H and W), paddings 0 to 2 (asymmetric), batches
// whose tiles cross images and blocks, channel counts that fill no
// panel, with bias, ReLU and a fused residual; routed through
// winogradConv however small (checkConvCase also checks the bits on one
// thread against GOMAXPROCS threads), and through the shifted GEMMs
// with NoWinograd.
func TestWinogradConvMatchesDirectConvolution(t *testing.T) {
	one, zero := [2]int{1, 1}, [2]int{0, 0}
	cases := []convCase{
		{1, 5, 9, 9, 13, 3, 3, one, one, one, one, true, true, false},
		{3, 7, 13, 11, 9, 3, 3, one, one, one, one, true, false, false},
		{2, 3, 10, 7, 17, 3, 3, one, one, zero, zero, false, true, false},
		{2, 4, 5, 6, 3, 3, 3, one, one, [2]int{2, 0}, [2]int{0, 2}, true, true, false},
		{1, 17, 6, 6, 33, 3, 3, one, one, [2]int{2, 2}, [2]int{2, 2}, false, false, false},
		{5, 16, 8, 8, 24, 3, 3, one, one, one, one, true, true, true},
		{2, 9, 15, 14, 12, 3, 3, one, one, one, one, true, false, true},
		{1, 130, 14, 14, 136, 3, 3, one, one, one, one, true, true, true}, // two K blocks of sgemm
		{9, 6, 7, 7, 8, 3, 3, one, one, one, one, false, true, false},    // many blocks
	}
	r := rand.New(rand.NewPCG(3, 18))
	defer func(c, t int) { minWinogradChannels, minWinogradTiles = c, t }(minWinogradChannels, minWinogradTiles)
	minWinogradChannels, minWinogradTiles = 0, 0
	defer func(v float64) { convCaseTol = v }(convCaseTol)
	convCaseTol = winogradTol
	for _, opt := range []SessionOptions{{}, {NoWinograd: true}} {
		for i, c := range cases {
			t.Run(fmt.Sprintf("%v_%d", opt.NoWinograd, i), func(t *testing.T) {
				checkConvCase(t, r, c, i%2 == 0, opt)
			})
		}
	}
}

// winogradTol bounds the Winograd convolution's error against the
// float64 direct one, relative to 1+|want| per element: measured up to
// 1.3e-4 at 130 channels, 2.5e-5 at 16 (the direct kernels: 1.3e-5;
// the transforms' float32 rounding grows with the channels
// summed).
const winogradTol = 1e-3

// The planner routes only 3×3 stride-1 convolutions with enough channels
// and tiles to winogradConv.
func TestWinogradSuits(t *testing.T) {
	win := func(h, w, k, s, d int) *window {
		return &window{in: [3]int{1, h, w}, out: [3]int{1, (h-d*(k-1)-1)/s + 1 + 2, (w-d*(k-1)-1)/s + 1 + 2},
			k: [3]int{1, k, k}, s: [3]int{1, s, s}, d: [3]int{1, d, d}}
	}
	for _, c := range []struct {
		w    *window
		C, M int
		want bool
	}{
		{win(14, 14, 3, 1, 1), 256, 256, true},
		{win(28, 28, 3, 1, 1), 128, 128, true},
		{win(56, 56, 3, 1, 1), 64, 64, false},   // too few channels
		{win(7, 7, 3, 1, 1), 512, 512, false},   // too few tiles
		{win(14, 14, 3, 2, 1), 256, 256, false}, // strided
		{win(14, 14, 3, 1, 2), 256, 256, false}, // dilated
		{win(14, 14, 5, 1, 1), 256, 256, false}, // 5×5
	} {
		if got := c.w.winogradSuits(c.C, c.M); got != c.want {
			t.Errorf("%+v C=%d M=%d: %v, want %v", *c.w, c.C, c.M, got, c.want)
		}
	}
}
