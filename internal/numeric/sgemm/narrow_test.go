package sgemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// narrowTol bounds Narrow's difference from a float64 reference relative
// to Σ_p |a_ip b_pj| (float32 rounding; measured 1.5e-7 at k = 40).
const narrowTol = 2e-6

// TestNarrow: random shapes (rows not a multiple of 4, k = 0, padded lda)
// against a float64 reference, on each kernel path.
func TestNarrow(t *testing.T) {
	onEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		worst := 0.0
		for _, s := range [][3]int{{1, 1, 0}, {4, 3, 0}, {7, 20, 3}, {512, 3, 20}, {37, 40, 5}, {8, 0, 0}, {3, 5, 1}} {
			m, k, pad := s[0], s[1], s[2]
			lda := k + pad
			a := make([]float32, max(0, (m-1)*lda+k))
			b := make([]float32, k*NarrowWidth)
			for i := range a {
				a[i] = float32(r.NormFloat64())
			}
			for i := range b {
				b[i] = float32(r.NormFloat64())
			}
			out := make([]float32, m*NarrowWidth)
			for i := range out {
				out[i] = float32(math.NaN()) // every element is written
			}
			Narrow(m, k, a, lda, b, out)
			for i := 0; i < m; i++ {
				for j := 0; j < NarrowWidth; j++ {
					var want, scale float64
					for p := 0; p < k; p++ {
						x := float64(a[i*lda+p]) * float64(b[p*NarrowWidth+j])
						want += x
						scale += math.Abs(x)
					}
					d := math.Abs(float64(out[i*NarrowWidth+j]) - want)
					if !(d <= narrowTol*math.Max(scale, 1e-30)) {
						t.Fatalf("m=%d k=%d: out[%d][%d] = %g, want %g", m, k, i, j, out[i*NarrowWidth+j], want)
					}
					if scale > 0 {
						worst = math.Max(worst, d/scale)
					}
				}
			}
		}
		t.Logf("largest relative difference %.2g", worst)
	})
}
