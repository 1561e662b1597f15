package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// geluTol bounds |GeluErf - GELU in float64| / max(1, |x|). Measured:
// 1.6e-7 (AVX2 loop on the avx512 and avx2 paths; AMD EPYC), 6e-8 (the
// generic loop's rounding); a5 of the erf polynomial changed in its
// fourth digit (1.0614 -> 1.0624) fails it at 1.3e-4.
const geluTol = 5e-7

// TestGeluErf compares GeluErf with GELU in float64 on every length up
// to 40 (vector body and scalar tail), over [-12, 12] and at ±100, 0 and
// NaN, in place and not.
func TestGeluErf(t *testing.T) { onEachPath(t, testGeluErf) }

func testGeluErf(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	special := []float32{100, -100, 0, 20, -20, float32(math.Inf(1)), float32(math.NaN())}
	var worst float64
	for n := 0; n <= 40; n++ {
		for trial := 0; trial < 20; trial++ {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(r.Float64()*24 - 12)
				if trial < 8 {
					x[i] /= 6
				}
				if r.IntN(8) == 0 {
					x[i] = special[r.IntN(len(special))]
				}
			}
			got := make([]float32, n)
			GeluErf(got, x)
			for i, v := range x {
				xv := float64(v)
				want := 0.5 * xv * (1 + math.Erf(xv/math.Sqrt2))
				if math.IsNaN(xv) || math.IsInf(xv, 0) {
					if math.IsNaN(xv) != math.IsNaN(float64(got[i])) || (!math.IsNaN(xv) && float64(got[i]) != want) {
						t.Fatalf("n %d: gelu(%g) = %g, want %g", n, v, got[i], want)
					}
					continue
				}
				d := math.Abs(float64(got[i])-want) / math.Max(1, math.Abs(xv))
				worst = math.Max(worst, d)
				if !(d <= geluTol) {
					t.Fatalf("n %d: gelu(%g) = %g, want %g (off by %.3g relative)", n, v, got[i], want, d)
				}
			}
			GeluErf(x, x) // in place
			for i := range x {
				if x[i] != got[i] && !math.IsNaN(float64(x[i])) {
					t.Fatalf("n %d: in place gives %g at %d, not %g", n, x[i], i, got[i])
				}
			}
		}
	}
	t.Logf("max |error| / max(1, |x|): %.3g", worst)
}
