package importer

import (
	"math"
	"testing"
)

// TestFastMath checks exp32, erf32 and sigmoid32 against float64 math on a
// dense grid. Measured: exp32 2.5e-7 relative, erf32 5.1e-7 absolute,
// sigmoid32 8.8e-8 absolute; the bounds are 4x that (1 ulp of float32 is
// 6e-8 relative).
func TestFastMath(t *testing.T) {
	cases := []struct {
		name     string
		f        func(float32) float32
		ref      func(float64) float64
		lo, hi   float64
		relative bool
		tol      float64
	}{
		{"exp32", exp32, math.Exp, -87, 88, true, 1e-6},
		{"erf32", erf32, math.Erf, -6, 6, false, 2e-6},
		{"sigmoid32", sigmoid32, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, -90, 90, false, 4e-7},
	}
	for _, c := range cases {
		worst := 0.0
		for x := c.lo; x <= c.hi; x += (c.hi - c.lo) / 200003 {
			got, want := float64(c.f(float32(x))), c.ref(float64(float32(x)))
			d := math.Abs(got - want)
			if c.relative {
				d /= want
			}
			worst = math.Max(worst, d)
		}
		t.Logf("%s: worst error %.3g", c.name, worst)
		if worst > c.tol {
			t.Errorf("%s: worst error %.3g > %g", c.name, worst, c.tol)
		}
	}
	if exp32(-100) != 0 || !math.IsInf(float64(exp32(100)), 1) || exp32(float32(math.NaN())) == exp32(float32(math.NaN())) {
		t.Error("exp32 at the limits: want 0, +Inf, NaN")
	}
}
