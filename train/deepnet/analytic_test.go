package deepnet

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// analyticTol bounds ||K_m - Theta||_F / ||Theta||_F between the empirical
// NTK of a network of width m at initialisation and the analytic limit on
// 32 Gaussian points in d=6, averaged over seeds 1-3: it falls like
// 1/sqrt(m) (measured 0.013 at depth 2, width 2^15; 0.088 at depth 3,
// width 2^11, 0.047 at 2^12). Leaving out the term Theta_l Sigma' of the
// recursion moves it to 0.54 and 0.81, an output gain of 2 instead of 1
// to 0.5.
var analyticTol = map[int]float64{2: 0.1, 3: 0.3}

// TestAnalyticNTKMatchesWideNet compares AnalyticNTK with the empirical
// NTK and the output covariance of wide networks.
func TestAnalyticNTKMatchesWideNet(t *testing.T) {
	const rows, d = 32, 6
	x := randInputs(rows, d, 5)
	y := randInputs(rows/2, d, 6) // a rectangular block too
	for _, tc := range []struct{ depth, width int }{{2, 1 << 15}, {3, 1 << 11}} {
		lim, err := AnalyticNTK(tc.depth, d, x, rows, y, rows/2)
		if err != nil {
			t.Fatal(err)
		}
		var dist float64
		const seeds = 3
		for seed := uint64(1); seed <= seeds; seed++ {
			net := NewNet(Config{Param: NTK, Depth: tc.depth, Width: tc.width, Seed: seed}, d)
			ta, _ := net.tangents(x, rows)
			tb, _ := net.tangents(y, rows/2)
			dist += relChange([][]float64{net.kernel(ta, tb)}, [][]float64{lim.Theta}) / seeds
		}
		t.Logf("depth %d width %d: relative distance %.3g", tc.depth, tc.width, dist)
		if dist > analyticTol[tc.depth] {
			t.Errorf("depth %d width %d: empirical NTK %.3g from the analytic one (tolerance %v)", tc.depth, tc.width, dist, analyticTol[tc.depth])
		}
	}
}

// nngpTol bounds the relative distance between the analytic NNGP kernel
// and the sample covariance of f_0 over 2000 networks of width 512 on 8
// points (measured 0.032, about the sampling error of 2000 draws; an
// output gain of 2 instead of 1 gives 0.51).
const nngpTol = 0.15

func TestAnalyticNNGPMatchesOutputCovariance(t *testing.T) {
	const rows, d, draws = 8, 4, 2000
	x := randInputs(rows, d, 8)
	lim, err := AnalyticNTK(3, d, x, rows, x, rows)
	if err != nil {
		t.Fatal(err)
	}
	cov := make([]float64, rows*rows)
	for s := range draws {
		f := NewNet(Config{Param: NTK, Depth: 3, Width: 64, Seed: uint64(s + 1)}, d).Predict(x, rows)
		for i := range rows {
			for j := range rows {
				cov[i*rows+j] += f[i] * f[j] / draws
			}
		}
	}
	dist := relChange([][]float64{cov}, [][]float64{lim.NNGP})
	t.Logf("NNGP: relative distance %.3g", dist)
	if dist > nngpTol {
		t.Errorf("output covariance %.3g from the NNGP kernel (tolerance %v)", dist, nngpTol)
	}
}

// TestLinearisedLossClosedForm runs linearised gradient descent step by
// step, r <- r - (lr/n) K r and, for the expected loss, C <- A C A with A
// = I - (lr/n) K, and compares it with the eigendecomposition.
func TestLinearisedLossClosedForm(t *testing.T) {
	const n, steps, lr = 12, 200, 1.5
	rng := rand.New(rand.NewPCG(3, 4))
	g := make([]float64, n*n)
	for i := range g {
		g[i] = rng.NormFloat64()
	}
	psd := func(scale float64) []float64 { // G G^T scale/n
		k := make([]float64, n*n)
		for i := range n {
			for j := range n {
				for m := range n {
					k[i*n+j] += g[i*n+m] * g[j*n+m] * scale / n
				}
			}
		}
		return k
	}
	k, cov := psd(1), psd(0.3)
	r0 := randInputs(1, n, 9)
	for _, withCov := range []bool{false, true} {
		c := cov
		if !withCov {
			c = nil
		}
		got, err := LinearisedLoss(k, n, r0, c, lr, steps)
		if err != nil {
			t.Fatal(err)
		}
		r, cc := append([]float64(nil), r0...), append([]float64(nil), cov...)
		apply := func(v []float64) []float64 { // A v
			out := append([]float64(nil), v...)
			for i := range n {
				for j := range n {
					out[i] -= lr / n * k[i*n+j] * v[j]
				}
			}
			return out
		}
		for s := 0; s <= steps; s++ {
			var want float64
			for i := range n {
				want += r[i] * r[i]
				if withCov {
					want += cc[i*n+i]
				}
			}
			want /= 2 * n
			if math.Abs(got[s]-want) > 1e-10*want {
				t.Fatalf("cov %v step %d: closed form %.15g, stepping %.15g", withCov, s, got[s], want)
			}
			r = apply(r)
			// C <- A C A: columns, then rows (C and A symmetric).
			col := make([]float64, n*n)
			for j := range n {
				v := make([]float64, n)
				for i := range n {
					v[i] = cc[i*n+j]
				}
				for i, a := range apply(v) {
					col[i*n+j] = a
				}
			}
			for i := range n {
				copy(cc[i*n:(i+1)*n], apply(col[i*n:(i+1)*n]))
			}
		}
	}
}

func TestAnalyticBadInput(t *testing.T) {
	x := randInputs(2, 3, 1)
	if _, err := AnalyticNTK(1, 3, x, 2, x, 2); !errors.Is(err, ErrConfig) {
		t.Errorf("depth 1: %v", err)
	}
	if _, err := AnalyticNTK(2, 3, x, 3, x, 2); !errors.Is(err, ErrConfig) {
		t.Errorf("wrong row count: %v", err)
	}
	if _, err := LinearisedLoss(make([]float64, 4), 2, []float64{1}, nil, 1, 3); !errors.Is(err, ErrConfig) {
		t.Errorf("short residual: %v", err)
	}
	// A zero input has a zero kernel row, not NaN.
	z := []float64{0, 0, 0, 1, 2, 3}
	lim, err := AnalyticNTK(3, 3, z, 2, z, 2)
	if err != nil || lim.Theta[0] != 0 || lim.Theta[1] != 0 || !(lim.Theta[3] > 0) {
		t.Errorf("zero input: %v %v", lim.Theta, err)
	}
}

// rateGapTol bounds the mean over seeds 1-2 of |r_m - r∞| / r∞ between
// the convergence rate of a centred network of width 2^14 and the rate
// of gradient descent with the analytic NTK (n=32, d=5, lr 1, 300 steps):
// 0.025 measured (0.05 at width 4096, 0.14 at width 256, which must fail
// it; the linearised network with the initial NTK is within 0.007).
const rateGapTol = 0.06

// finRateTol bounds the same mean of |r_m - r_T| / r_T between the
// network's rate and that of gradient descent on the linear model with the
// network's NTK at the end of training, from the same residual: 0.0056
// measured at width 2^14 (0.092 at width 256, which must fail it). The
// network's rate is that of the kernel it ends with: where it differs from
// r∞, the kernel has moved.
const finRateTol = 0.02

// TestWideNetRateMatchesInfiniteWidth: the rate of a wide network is the
// infinite-width rate and the rate with its final NTK, and that of a
// narrow one is neither.
func TestWideNetRateMatchesInfiniteWidth(t *testing.T) {
	tr, te := teacherData(t, 5, 32, 40)
	for _, tc := range []struct {
		width int
		close bool
	}{{1 << 14, true}, {256, false}} {
		var gap, linGap, finGap float64
		for seed := uint64(1); seed <= 2; seed++ {
			cfg := Config{Param: NTK, Depth: 2, Width: tc.width, Center: true, LR: 1, Steps: 300, Seed: seed}
			res, err := Train(context.Background(), cfg, tr, te)
			if err != nil {
				t.Fatal(err)
			}
			if res.ConvRate == nil || res.LinConvRate == nil || res.InfConvRate == nil || res.FinConvRate == nil {
				t.Fatalf("width %d: rates %v %v %v %v", tc.width, res.ConvRate, res.LinConvRate, res.InfConvRate, res.FinConvRate)
			}
			gap += math.Abs(*res.ConvRate / *res.InfConvRate - 1) / 2
			linGap += math.Abs(*res.LinConvRate / *res.InfConvRate - 1) / 2
			finGap += math.Abs(*res.ConvRate / *res.FinConvRate - 1) / 2
		}
		t.Logf("width %d: gap to the infinite-width rate %.3g, linearised %.3g, network to its final NTK %.3g", tc.width, gap, linGap, finGap)
		if (gap < rateGapTol) != tc.close {
			t.Errorf("width %d: rate %.3g from the infinite-width rate (tolerance %v)", tc.width, gap, rateGapTol)
		}
		if (finGap < finRateTol) != tc.close {
			t.Errorf("width %d: rate %.3g from the rate with the final NTK (tolerance %v)", tc.width, finGap, finRateTol)
		}
	}
}
