package importer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// vectorConvTol bounds |vectorConv - float64 reference| relative to the
// output scale: float32 sums of up to 300 products, measured about 3e-7.
const vectorConvTol = 3e-6

// TestVectorConvMatchesReference checks the 1x1-over-one-pixel
// convolution against naiveConv with and without bias and ReLU, on
// widths that do and do not fill the vector loops.
func TestVectorConvMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, c := range []struct {
		N, C, M    int
		bias, relu bool
	}{{1, 240, 960, true, false}, {3, 17, 5, true, true}, {2, 300, 33, false, true}, {1, 1, 1, false, false}} {
		t.Run(fmt.Sprintf("N%d_C%d_M%d", c.N, c.C, c.M), func(t *testing.T) {
			x, f := randF(r, c.N*c.C), randF(r, c.M*c.C)
			var b []float32
			if c.bias {
				b = randF(r, c.M)
			}
			want, _, _ := naiveConv(x, c.N, c.C, 1, 1, f, c.M, 1, 1, b, [2]int{1, 1}, [2]int{1, 1}, [2]int{}, [2]int{}, c.relu)
			wt := &Tensor{DType: Float32, Shape: []int{c.M, c.C, 1, 1}, F: f}
			w := &window{in: [3]int{1, 1, 1}, out: [3]int{1, 1, 1}, k: [3]int{1, 1, 1}, s: [3]int{1, 1, 1}, d: [3]int{1, 1, 1}}
			if !w.vectorSuits(1, constInfo(wt)) {
				t.Fatal("vectorSuits is false")
			}
			in := []*Tensor{{DType: Float32, Shape: []int{c.N, c.C, 1, 1}, F: x}, wt}
			if b != nil {
				in = append(in, &Tensor{DType: Float32, Shape: []int{c.M}, F: b})
			}
			got := &Tensor{DType: Float32, Shape: []int{c.N, c.M, 1, 1}, F: make([]float32, len(want))}
			vectorConv(wt, c.N, c.C, c.M, c.relu).run(in, []*Tensor{got}, nil)
			scale := 0.0
			for _, v := range want {
				scale = max(scale, math.Abs(float64(v)))
			}
			for i := range want {
				if d := math.Abs(float64(got.F[i] - want[i])); d > vectorConvTol*scale {
					t.Fatalf("element %d: got %v, want %v (scale %.3g)", i, got.F[i], want[i], scale)
				}
			}
		})
	}
}
