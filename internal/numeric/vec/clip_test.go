package vec

import (
	"math"
	"testing"
)

// TestClip compares Clip with the definition, NaN and the infinities
// included, in place and into another slice.
func TestClip(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	src := []float32{-7, -0.5, 0, 0.25, 5.999, 6, 6.5, 100, nan, inf, -inf, 3}
	for _, c := range []struct{ lo, hi float32 }{{0, 6}, {-1, 1}, {-inf, 2}, {-3, inf}, {2, 2}} {
		want := make([]float32, len(src))
		for i, v := range src {
			switch {
			case v != v:
				want[i] = v
			case v < c.lo:
				want[i] = c.lo
			case v > c.hi:
				want[i] = c.hi
			default:
				want[i] = v
			}
		}
		dst := make([]float32, len(src))
		Clip(dst, src, c.lo, c.hi)
		inPlace := append([]float32{}, src...)
		Clip(inPlace, inPlace, c.lo, c.hi)
		for i := range want {
			for _, got := range []float32{dst[i], inPlace[i]} {
				if got != want[i] && !(got != got && want[i] != want[i]) {
					t.Errorf("Clip(%g) to [%g, %g] = %g, want %g", src[i], c.lo, c.hi, got, want[i])
				}
			}
		}
	}
}
