package importer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// depthwiseTol bounds |depthwiseConv - float64 reference| relative to the
// output scale: float32 sums of at most 25 products, measured about 2e-7.
const depthwiseTol = 2e-6

// naiveDepthwise is a float64 depthwise convolution (NCHW, output
// channel m reads input channel m/(M/C)), the reference for
// depthwiseConv.
func naiveDepthwise(x []float32, N, C, H, W int, f []float32, M, KH, KW int, b []float32,
	s, d, p, pe [2]int, relu bool) ([]float32, int, int) {
	OH := (H+p[0]+pe[0]-d[0]*(KH-1)-1)/s[0] + 1
	OW := (W+p[1]+pe[1]-d[1]*(KW-1)-1)/s[1] + 1
	out := make([]float32, N*M*OH*OW)
	for n := 0; n < N; n++ {
		for m := 0; m < M; m++ {
			c := m / (M / C)
			for oh := 0; oh < OH; oh++ {
				for ow := 0; ow < OW; ow++ {
					var acc float64
					if b != nil {
						acc = float64(b[m])
					}
					for i := 0; i < KH; i++ {
						for j := 0; j < KW; j++ {
							ih, iw := oh*s[0]-p[0]+i*d[0], ow*s[1]-p[1]+j*d[1]
							if ih < 0 || ih >= H || iw < 0 || iw >= W {
								continue
							}
							acc += float64(x[((n*C+c)*H+ih)*W+iw]) * float64(f[(m*KH+i)*KW+j])
						}
					}
					if relu && acc < 0 {
						acc = 0
					}
					out[((n*M+m)*OH+oh)*OW+ow] = float32(acc)
				}
			}
		}
	}
	return out, OH, OW
}

// TestDepthwiseConvMatchesReference checks depthwiseConv against
// naiveDepthwise over kernel sizes 1-5, strides 1-3, dilations, symmetric
// and asymmetric pads, channel multipliers, bias and ReLU, on one thread
// and on two workers (which must agree bit for bit), through the kernel
// depthwiseConv picks and through chanBlocks on every kernel path.
func TestDepthwiseConvMatchesReference(t *testing.T) {
	cases := []convCase{
		// N, C, H, W, M (multiple of C), KH, KW, strides, dilations, pads before, pads after
		{1, 16, 112, 112, 16, 3, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, true, false}, // mobilenet 3x3 s1
		{2, 8, 28, 28, 8, 3, 3, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, false, false},    // 3x3 s2
		{1, 8, 15, 15, 8, 5, 5, [2]int{1, 1}, [2]int{1, 1}, [2]int{2, 2}, [2]int{2, 2}, true, true, false},     // 5x5 s1
		{3, 4, 15, 14, 4, 5, 5, [2]int{2, 2}, [2]int{1, 1}, [2]int{2, 2}, [2]int{2, 2}, false, true, false},    // 5x5 s2, odd and even widths
		{1, 4, 7, 7, 4, 3, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, false, false},      // 7x7 plane
		{2, 3, 11, 10, 6, 3, 3, [2]int{1, 1}, [2]int{2, 2}, [2]int{2, 2}, [2]int{2, 2}, true, true, false},     // dilated, multiplier 2
		{1, 5, 12, 9, 5, 5, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 0}, [2]int{2, 1}, false, false, false},    // asymmetric pads
		{2, 4, 13, 17, 12, 3, 4, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 2}, [2]int{0, 1}, true, true, false},    // stride 3, multiplier 3
		{1, 6, 9, 9, 6, 3, 3, [2]int{2, 1}, [2]int{1, 2}, [2]int{0, 0}, [2]int{0, 0}, true, false, false},      // mixed strides, no pads
		{2, 4, 6, 6, 4, 1, 1, [2]int{2, 2}, [2]int{1, 1}, [2]int{0, 0}, [2]int{0, 0}, true, true, false},       // 1x1 strided
		{1, 2, 5, 5, 2, 5, 5, [2]int{2, 2}, [2]int{1, 1}, [2]int{4, 4}, [2]int{4, 4}, true, true, false},       // pads wider than the kernel's reach
		// Blocks of 16 channels: a partial last block, rows wider than
		// one 16-wide tile, a multiplier across blocks, bands of rows.
		{2, 40, 9, 17, 40, 3, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, false, false},
		{1, 20, 10, 10, 40, 3, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, true, false},
		{1, 24, 33, 20, 24, 5, 5, [2]int{2, 2}, [2]int{1, 1}, [2]int{2, 2}, [2]int{2, 2}, false, true, false},
		{1, 16, 40, 40, 16, 3, 3, [2]int{1, 1}, [2]int{2, 2}, [2]int{2, 2}, [2]int{2, 2}, true, false, false},
		{1, 32, 7, 7, 32, 5, 5, [2]int{1, 1}, [2]int{1, 1}, [2]int{2, 2}, [2]int{2, 2}, true, true, false},
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range cases {
		name := fmt.Sprintf("%dx%dx%dx%d_m%d_k%dx%d_s%v_d%v_p%v%v", c.N, c.C, c.H, c.W, c.M, c.KH, c.KW, c.s, c.d, c.p, c.pe)
		t.Run(name, func(t *testing.T) {
			x := randF(r, c.N*c.C*c.H*c.W)
			f := randF(r, c.M*c.KH*c.KW)
			var b []float32
			if c.bias {
				b = randF(r, c.M)
			}
			want, OH, OW := naiveDepthwise(x, c.N, c.C, c.H, c.W, f, c.M, c.KH, c.KW, b, c.s, c.d, c.p, c.pe, c.relu)
			w := &window{
				in: [3]int{1, c.H, c.W}, out: [3]int{1, OH, OW}, k: [3]int{1, c.KH, c.KW},
				s: [3]int{1, c.s[0], c.s[1]}, d: [3]int{1, c.d[0], c.d[1]},
				pb: [3]int{0, c.p[0], c.p[1]}, pe: [3]int{0, c.pe[0], c.pe[1]},
			}
			if !w.depthwiseSuits(c.C, c.C, c.M) {
				t.Fatalf("depthwiseSuits is false")
			}
			in := []*Tensor{
				{DType: Float32, Shape: []int{c.N, c.C, c.H, c.W}, F: x},
				{DType: Float32, Shape: []int{c.M, 1, c.KH, c.KW}, F: f},
			}
			if b != nil {
				in = append(in, &Tensor{DType: Float32, Shape: []int{c.M}, F: b})
			}
			firsts := map[bool][]float32{} // by kernel
			for _, run := range []struct {
				workers int
				blocks  bool
			}{{1, false}, {max(2, runtime.GOMAXPROCS(0)), false}, {1, true}, {2, true}} {
				workers := run.workers
				k := depthwiseConv(w, c.N, c.C, c.M, reluIf(c.relu), workers)
				if run.blocks {
					k = newChanBlocks(w).kernel(c.N, c.C, c.M, reluIf(c.relu), workers, true)
				}
				got := &Tensor{DType: Float32, Shape: []int{c.N, c.M, OH, OW}, F: make([]float32, len(want))}
				k.run(in, []*Tensor{got}, make([]float32, k.scratch))
				scale := 0.0
				for _, v := range want {
					scale = max(scale, math.Abs(float64(v)))
				}
				for i := range want {
					if d := math.Abs(float64(got.F[i] - want[i])); d > depthwiseTol*scale {
						t.Fatalf("workers %d, element %d: got %v, want %v (scale %.3g)", workers, i, got.F[i], want[i], scale)
					}
				}
				if first := firsts[run.blocks]; first == nil {
					firsts[run.blocks] = got.F
				} else {
					for i := range first {
						if first[i] != got.F[i] {
							t.Fatalf("element %d: %v on one worker, %v on %d (blocks %v)", i, first[i], got.F[i], workers, run.blocks)
						}
					}
				}
			}
		})
	}
}

// randF returns n standard normal float32s.
func randF(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}
