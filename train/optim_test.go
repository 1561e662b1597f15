package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// adamTol bounds the float64 rounding of Adam's update against the closed
// forms below: measured under 1e-15 relative.
const adamTol = 1e-12

// TestAdamClosedForm checks Adam without PyTorch. With a constant gradient
// g the bias-corrected moments are exactly g and g², so every step moves a
// parameter by lr*g/(|g|+eps), from the first step on (an uncorrected first
// step would move it by 0.1/sqrt(0.001), about 3.16 times that). Entries
// outside the ranges stay, and a reset restarts the bias correction.
func TestAdamClosedForm(t *testing.T) {
	g := []float64{0.5, -2, 1e-3, 7, 3}
	p := []float64{1, 1, 1, 1, 1}
	ranges := [][2]int{{0, 2}, {3, 4}} // entries 2 and 4 are not trained
	o := newAdam[float64](len(p))
	const lr = 0.01
	for step := 1; step <= 5; step++ {
		o.step(p, g, ranges, lr)
		for i, v := range p {
			want := 1.0
			if i != 2 && i != 4 {
				want = 1 - float64(step)*lr*g[i]/(math.Abs(g[i])+adamEps)
			}
			if math.Abs(v-want) > adamTol {
				t.Fatalf("step %d: p[%d] = %.17g, want %.17g", step, i, v, want)
			}
		}
	}
	// A changed gradient: the moments are the EMAs of the two gradients.
	o.reset()
	p = []float64{0}
	o.step(p, []float64{1}, [][2]int{{0, 1}}, lr)
	o.step(p, []float64{-1}, [][2]int{{0, 1}}, lr)
	m := (adamBeta1*(1-adamBeta1)*1 + (1-adamBeta1)*-1) / (1 - adamBeta1*adamBeta1)
	v := (adamBeta2*(1-adamBeta2) + (1 - adamBeta2)) / (1 - adamBeta2*adamBeta2)
	want := -lr*1/(1+adamEps) - lr*m/(math.Sqrt(v)+adamEps)
	if math.Abs(p[0]-want) > adamTol {
		t.Errorf("after gradients +1, -1: p = %.17g, want %.17g", p[0], want)
	}
}

// TestClipAndOneCycle: gradient clipping scales to the clip norm only when
// the norm exceeds it, over the ranges only; the one-cycle schedule's warm-up
// and cosine decay have their closed-form values.
func TestClipAndOneCycle(t *testing.T) {
	for _, maxNorm := range []float64{DefaultClip, PlateauClip} {
		g := []float64{3, 4, 100}
		if n := clip(g, [][2]int{{0, 2}}, maxNorm); n != 5 {
			t.Errorf("norm %v, want 5", n)
		}
		if c := maxNorm / (5 + 1e-6); math.Abs(g[0]-3*c) > 1e-15 || math.Abs(g[1]-4*c) > 1e-15 || g[2] != 100 {
			t.Errorf("clip %v: clipped %v", maxNorm, g)
		}
		small := []float64{0.03, 0.04}
		if clip(small, [][2]int{{0, 2}}, maxNorm); small[0] != 0.03 || small[1] != 0.04 {
			t.Errorf("clip %v: a gradient under the clip norm changed: %v", maxNorm, small)
		}
	}
	const peak, T = 2.0, 100 // warm-up W = 5 steps
	for _, c := range []struct {
		t    int
		want float64
	}{
		{0, peak / 5}, {2, 3 * peak / 5}, {4, peak},
		{5, peak * 0.5 * (1 + math.Cos(math.Pi*1/96))},
		{52, peak / 2}, // (t - W + 1)/(T - W + 1) = 1/2
		{99, peak * 0.5 * (1 + math.Cos(math.Pi*95/96))},
	} {
		if got := oneCycle(peak, c.t, T); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("oneCycle(%v, %d, %d) = %v, want %v", peak, c.t, T, got, c.want)
		}
	}
}

// normTol bounds the float64 rounding of N_l's statistics against their
// definitions computed here: measured about 1e-16 relative.
const normTol = 1e-12

// TestNormStatistics checks the running statistics of N_2 without PyTorch:
// the first batch sets them to its mean and population variance of
// (R_2 S_2)², later batches move them by an EMA of momentum normMomentum, a
// forward without update leaves them, and H_2 = (z² - mean)/sqrt(var + eps).
func TestNormStatistics(t *testing.T) {
	const d, L, k, n = 4, 3, 2, 7
	arch := NewArch(d, L, k)
	m := newHNetEngine[float64](arch)
	m.init(rand.New(rand.NewPCG(1, 2)))
	b := newBuffers(m, n)
	md := arch.LiftDim(2)
	rng := rand.New(rand.NewPCG(3, 4))
	batchStats := func() (mean, vr []float64) {
		mean, vr = make([]float64, md), make([]float64, md)
		z := b.z[2]
		for c := 0; c < md; c++ {
			for r := 0; r < n; r++ {
				mean[c] += z[r*md+c] * z[r*md+c] / n
			}
			for r := 0; r < n; r++ {
				q := z[r*md+c]*z[r*md+c] - mean[c]
				vr[c] += q * q / n
			}
		}
		return mean, vr
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= normTol*math.Max(1, math.Abs(b)) }
	wantMean, wantVar := make([]float64, md), make([]float64, md)
	for step := 0; step < 3; step++ {
		for i := range b.h[0] {
			b.h[0][i] = rng.NormFloat64() * float64(1+step)
		}
		update := step != 2
		upd := L + 1 // no layer updated
		if update {
			upd = 2
		}
		m.forward(b, n, L, upd)
		bm, bv := batchStats()
		for c := 0; c < md; c++ {
			switch {
			case step == 0:
				wantMean[c], wantVar[c] = bm[c], bv[c]
			case update:
				wantMean[c] = (1-normMomentum)*wantMean[c] + normMomentum*bm[c]
				wantVar[c] = (1-normMomentum)*wantVar[c] + normMomentum*bv[c]
			}
			if !near(m.mean[2][c], wantMean[c]) || !near(m.vr[2][c], wantVar[c]) {
				t.Fatalf("step %d (update %v), column %d: mean %v var %v, want %v %v", step, update, c, m.mean[2][c], m.vr[2][c], wantMean[c], wantVar[c])
			}
			for r := 0; r < n; r++ {
				z := b.z[2][r*md+c]
				want := (z*z - wantMean[c]) / math.Sqrt(wantVar[c]+NormEps)
				if got := b.h[2][r*md+c]; !near(got, want) {
					t.Fatalf("step %d: H_2[%d,%d] = %v, want %v", step, r, c, got, want)
				}
			}
		}
	}
}
