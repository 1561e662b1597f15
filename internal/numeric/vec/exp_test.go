package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// expTol bounds ExpNegAbs's error relative to e^-|x| in float64 (above
// e^-87.33, where it clamps). Measured 2.1e-7 (AVX2 loop, AMD EPYC);
// the polynomial's 1/720 term dropped fails it.
const expTol = 1e-6

// TestExpNegAbs compares ExpNegAbs with e^-|x| in float64 on every length
// up to 40 (vector body and scalar tail), over [-90, 90] and at ±Inf, 0
// and NaN, in place and not.
func TestExpNegAbs(t *testing.T) { onEachPath(t, testExpNegAbs) }

func testExpNegAbs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	special := []float32{float32(math.Inf(1)), float32(math.Inf(-1)), 0, -87, float32(math.NaN())}
	var worst float64
	for n := 0; n <= 40; n++ {
		for trial := 0; trial < 20; trial++ {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(r.Float64()*180 - 90)
				if trial < 8 {
					x[i] /= 30
				}
				if r.IntN(8) == 0 {
					x[i] = special[r.IntN(len(special))]
				}
			}
			got := make([]float32, n)
			ExpNegAbs(got, x)
			for i, v := range x {
				want := math.Exp(-math.Abs(float64(v)))
				switch {
				case math.IsNaN(float64(v)):
					if !math.IsNaN(float64(got[i])) {
						t.Fatalf("n %d: exp(NaN) = %g", n, got[i])
					}
					continue
				case math.Abs(float64(v)) > 87.33:
					if got[i] > 1.3e-38 {
						t.Fatalf("n %d: e^-|%g| = %g, want at most e^-87.33", n, v, got[i])
					}
					continue
				}
				d := math.Abs(float64(got[i])-want) / want
				worst = math.Max(worst, d)
				if !(d <= expTol) {
					t.Fatalf("n %d: e^-|%g| = %g, want %g (relative error %.3g)", n, v, got[i], want, d)
				}
			}
			ExpNegAbs(x, x) // in place
			for i := range x {
				if x[i] != got[i] && !math.IsNaN(float64(x[i])) {
					t.Fatalf("n %d: in place gives %g at %d, not %g", n, x[i], i, got[i])
				}
			}
		}
	}
	t.Logf("max relative error %.3g", worst)
}
