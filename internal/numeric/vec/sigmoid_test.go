package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sigmoidTol bounds |Sigmoid - σ in float64|. Measured: 8.8e-8 (AVX2
// loop on the avx512 and avx2 paths; AMD EPYC), 3e-8 (the generic loop's
// rounding); the polynomial's 1/720 term dropped fails it at 4.1e-7.
const sigmoidTol = 3e-7

// TestSigmoid compares Sigmoid with σ in float64 on every length up to
// 40 (vector body and scalar tail), over [-30, 30] and at ±Inf, ±100,
// 0, and NaN, in place and not.
func TestSigmoid(t *testing.T) { onEachPath(t, testSigmoid) }

func testSigmoid(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	special := []float32{float32(math.Inf(1)), float32(math.Inf(-1)), 100, -100, 0, -90, 90, float32(math.NaN())}
	var worst float64
	for n := 0; n <= 40; n++ {
		for trial := 0; trial < 20; trial++ {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(r.Float64()*60 - 30)
				if trial < 4 {
					x[i] /= 10
				}
				if r.IntN(8) == 0 {
					x[i] = special[r.IntN(len(special))]
				}
			}
			got := make([]float32, n)
			Sigmoid(got, x)
			for i, v := range x {
				want := 1 / (1 + math.Exp(-float64(v)))
				if math.IsNaN(float64(v)) {
					if !math.IsNaN(float64(got[i])) {
						t.Fatalf("n %d: sigmoid(NaN) = %g", n, got[i])
					}
					continue
				}
				d := math.Abs(float64(got[i]) - want)
				worst = math.Max(worst, d)
				if !(d <= sigmoidTol) {
					t.Fatalf("n %d: sigmoid(%g) = %g, want %g (off by %.3g)", n, v, got[i], want, d)
				}
			}
			Sigmoid(x, x) // in place
			for i := range x {
				if x[i] != got[i] && !math.IsNaN(float64(x[i])) {
					t.Fatalf("n %d: in place gives %g at %d, not %g", n, x[i], i, got[i])
				}
			}
		}
	}
	t.Logf("max |error| %.3g", worst)
}

func BenchmarkSigmoid(b *testing.B) {
	benchEachPath(b, func(b *testing.B) {
		x := make([]float32, 1024)
		for i := range x {
			x[i] = float32(i%64) - 32
		}
		b.SetBytes(4 * 1024)
		for i := 0; i < b.N; i++ {
			Sigmoid(x[:], x[:])
			for j := range x {
				x[j] = float32(j%64) - 32
			}
		}
	})
}
