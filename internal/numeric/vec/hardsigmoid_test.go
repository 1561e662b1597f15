package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// hardSigmoidTol bounds |HardSigmoid - float64 reference| relative to
// max(1, |x|): one fused multiply-add and one product in float32, about
// 1e-7.
const hardSigmoidTol = 1e-6

// TestHardSigmoid compares HardSigmoid (and HardSwish) with a float64
// reference on every length up to 40, with values on both clamps, NaN
// and infinities, in place and not.
func TestHardSigmoid(t *testing.T) { onEachPath(t, testHardSigmoid) }

func testHardSigmoid(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, -3, 3, 2.5, -2.5}
	for _, p := range []struct {
		alpha, beta float32
		swish       bool
	}{{1.0 / 6, 0.5, true}, {0.2, 0.5, false}, {1.0 / 6, 0.5, false}} {
		for n := 0; n <= 40; n++ {
			src := make([]float32, n)
			for i := range src {
				src[i] = float32(4 * r.NormFloat64())
				if r.IntN(5) == 0 {
					src[i] = special[r.IntN(len(special))]
				}
			}
			got := make([]float32, n)
			HardSigmoid(got, src, p.alpha, p.beta, p.swish)
			for i, x := range src {
				xd := float64(x)
				w := math.Max(0, math.Min(1, float64(p.alpha)*xd+float64(p.beta)))
				if p.swish {
					w *= xd
				}
				g := float64(got[i])
				switch {
				case math.IsNaN(w) || math.IsNaN(g):
					if math.IsNaN(w) != math.IsNaN(g) {
						t.Fatalf("%+v n=%d x=%v: got %v, want %v", p, n, x, g, w)
					}
				case math.IsInf(w, 0):
					if g != w {
						t.Fatalf("%+v n=%d x=%v: got %v, want %v", p, n, x, g, w)
					}
				case math.Abs(g-w) > hardSigmoidTol*math.Max(1, math.Abs(xd)):
					t.Fatalf("%+v n=%d x=%v: got %v, want %v", p, n, x, g, w)
				}
			}
			HardSigmoid(src, src, p.alpha, p.beta, p.swish) // in place
			for i := range src {
				if src[i] != got[i] && !(src[i] != src[i] && got[i] != got[i]) {
					t.Fatalf("%+v n=%d in place: element %d %v, not %v", p, n, i, src[i], got[i])
				}
			}
		}
	}
}
