package robust

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// The closed-form robust accuracy of a linear model agrees with PGD and
// FGM on random points (they reach the worst case) and with hand-computed
// margins: y f - eps ||w||_*.
func TestExactRobustAccuracy(t *testing.T) {
	lin := &Linear{W: []float64{3, -4, 0}, B: 0.5}
	// Margins y f: 3.5 and 1.5; ||w||_2 = 5, ||w||_1 = 7.
	x := []float64{1, 0, 2, 0, -0.25, 1}
	y := []float64{1, 1}
	for _, tc := range []struct {
		norm string
		eps  float64
		want float64
	}{
		{L2, 0, 1}, {L2, 0.29, 1}, {L2, 0.31, 0.5}, {L2, 0.71, 0},
		{LInf, 0.22, 0.5}, {LInf, 0.2, 1}, {LInf, 0.51, 0},
	} {
		got, err := lin.ExactRobustAccuracy(tc.norm, tc.eps, x, y, 2)
		if err != nil || got != tc.want {
			t.Errorf("%s radius %v: %v, %v; want %v", tc.norm, tc.eps, got, err, tc.want)
		}
	}
	r := rand.New(rand.NewPCG(4, 5))
	const d, n = 20, 400
	lin = &Linear{W: randVec(r, d, 1), B: 0.1}
	xs := randVec(r, n*d, 1)
	ys := make([]float64, n)
	for i := range ys {
		ys[i] = 1
		if r.Float64() < 0.5 {
			ys[i] = -1
		}
	}
	for _, norm := range []string{L2, LInf} {
		for _, eps := range []float64{0.05, 0.2, 0.5} {
			exact, err := lin.ExactRobustAccuracy(norm, eps, xs, ys, n)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range []Attack{{Method: PGD, Norm: norm, Eps: eps, Steps: 10}, {Method: FGM, Norm: norm, Eps: eps}} {
				if got := RobustAccuracy(lin, a, xs, ys, n); got != exact {
					t.Errorf("%s: accuracy %v, closed form %v", a, got, exact)
				}
			}
		}
	}
	for _, bad := range []struct {
		norm string
		eps  float64
	}{{"l1", 0.1}, {L2, -1}, {LInf, math.NaN()}, {LInf, math.Inf(1)}} {
		if _, err := lin.ExactRobustAccuracy(bad.norm, bad.eps, xs, ys, n); !errors.Is(err, ErrConfig) {
			t.Errorf("%s %v: error %v, want ErrConfig", bad.norm, bad.eps, err)
		}
	}
}

func TestL1Ratio(t *testing.T) {
	for _, tc := range []struct {
		w    []float64
		want float64
	}{
		{[]float64{0, 0, 0, 0}, 0},
		{[]float64{0, 2, 0, 0}, 0.5},      // one coordinate: 1/sqrt(d)
		{[]float64{1, -1, 1, -1}, 1},      // flat: 1
		{[]float64{3, 4, 0, 0}, 7.0 / 10}, // 7 / (2 * 5)
	} {
		if got := (&Linear{W: tc.w}).L1Ratio(); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("L1Ratio(%v) = %v, want %v", tc.w, got, tc.want)
		}
	}
}
