package deepnet

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
)

// teacherData samples a relu-teacher concept (d inputs, depth 1, width 8).
func teacherData(t *testing.T, d, n, nTest int) (tr, te *concept.Dataset) {
	t.Helper()
	c, err := concept.New(concept.Spec{Family: concept.FamilyReLU, D: d, Layers: 1, Widths: []int{8}})
	if err != nil {
		t.Fatal(err)
	}
	if tr, err = c.Sample(n, 1); err != nil {
		t.Fatal(err)
	}
	if te, err = c.Sample(nTest, 2); err != nil {
		t.Fatal(err)
	}
	return tr, te
}

func TestConvRateClosedForm(t *testing.T) {
	var steps []int
	var loss []float64
	for s := 0; s <= 100; s++ {
		steps = append(steps, s)
		// A fast mode that has decayed by step 50, then rate 0.03.
		loss = append(loss, 3*math.Exp(-0.03*float64(s))+math.Exp(-2*float64(s)))
	}
	rate, r2 := ConvRate(steps, loss, 50)
	if math.Abs(rate-0.03) > 1e-12 || math.Abs(r2-1) > 1e-12 {
		t.Fatalf("rate %v r2 %v, want 0.03 and 1", rate, r2)
	}
	if rate, _ := ConvRate(steps[:1], loss[:1], 0); !math.IsNaN(rate) {
		t.Fatalf("one point: rate %v, want NaN", rate)
	}
}

func TestRelChangePatternsAndError(t *testing.T) {
	if got := relChange([][]float64{{3, 4}, {0}}, [][]float64{{0, 4}, {4}}); math.Abs(got-math.Sqrt(25.0/32)) > 1e-15 {
		t.Fatalf("relChange = %v, want sqrt(25/32)", got)
	}
	s0 := &state{Z: [][]float64{{1, -1, 2, -2}, {5}}}
	s := &state{Z: [][]float64{{1, 1, -2, -2}, {-5}}} // the output's sign is no pattern
	if got := patternChange(s, s0); got != 0.5 {
		t.Fatalf("patternChange = %v, want 0.5", got)
	}
	// Squared error 1 over a population variance sum of 2.
	if got := relMSE([]float64{1, 2}, []float64{0, 2}); got != 0.5 {
		t.Fatalf("relMSE = %v, want 0.5", got)
	}
}

// TestOneStep: after one full-batch step the weights moved by lr times
// the gradient of the objective, and the first recorded loss is the
// closed form (1/2) mean (alpha (f0 - f0) - y)^2 = mean(y^2)/2 with
// centering.
func TestOneStep(t *testing.T) {
	tr, te := teacherData(t, 5, 32, 40)
	for _, param := range []string{Standard, NTK, MeanField} {
		cfg := Config{Param: param, Depth: 3, Width: 16, Alpha: 2, Center: true, LR: 0.1, Steps: 1, Seed: 4}
		res, err := Train(context.Background(), cfg, tr, te)
		if err != nil {
			t.Fatal(err)
		}
		var want float64
		for _, y := range tr.Y {
			want += y * y
		}
		want /= 2 * float64(tr.N)
		if math.Abs(res.Loss[0]-want) > 1e-12*want {
			t.Fatalf("%s: first loss %v, want %v", param, res.Loss[0], want)
		}
		// Independent gradient: with f0 subtracted, dLoss/df = (alpha(f-f0) - y)/(alpha n) = -y/(alpha n).
		net := NewNet(cfg, tr.D)
		g := make([]float64, tr.N)
		for i, y := range tr.Y {
			g[i] = -y / (2 * float64(tr.N))
		}
		grads := make([][]float64, cfg.Depth)
		for l, ly := range net.Layers {
			grads[l] = make([]float64, len(ly.W))
		}
		net.backward(net.forward(tr.X, tr.N), g, grads, false)
		for l, ly := range net.Layers {
			var gg, ww float64
			for i := range ly.W {
				gg += grads[l][i] * grads[l][i]
				ww += ly.W[i] * ly.W[i]
			}
			want := cfg.stepSize() * math.Sqrt(gg/ww)
			if math.Abs(res.RelChange[l]-want) > 1e-9*want {
				t.Fatalf("%s layer %d: relative change %v, want %v", param, l, res.RelChange[l], want)
			}
		}
	}
}

// TestTinyStepMovesNothing: with a step of 1e-12 the NTK and the
// activation patterns stay where they started.
func TestTinyStepMovesNothing(t *testing.T) {
	tr, te := teacherData(t, 5, 32, 40)
	res, err := Train(context.Background(), Config{Param: NTK, Depth: 4, Width: 32, LR: 1e-12, Steps: 3, Seed: 1}, tr, te)
	if err != nil {
		t.Fatal(err)
	}
	if res.NTKMove > 1e-9 || res.PatternChange != 0 || res.RelChangeAll > 1e-9 {
		t.Fatalf("NTK move %v, pattern change %v, weight change %v: want about 0", res.NTKMove, res.PatternChange, res.RelChangeAll)
	}
}

// lazyGapTol bounds the distance between the network trained at large
// alpha and kernel regression with its initial NTK (relative, on the test
// set): 5.2e-3 measured at alpha 1000 (0.11 at alpha 100, 0.16 at alpha 1,
// which must fail it).
const lazyGapTol = 0.05

// TestLazyMatchesInitialNTK: at large alpha, full-batch GD to
// interpolation ends where kernel regression with the initial NTK does.
func TestLazyMatchesInitialNTK(t *testing.T) {
	tr, te := teacherData(t, 5, 32, 200)
	for _, tc := range []struct {
		alpha float64
		steps int
		lazy  bool
	}{{1000, 4000, true}, {1000, 30, true}, {1, 4000, false}} {
		// 30 steps, before convergence, checks the step count of the
		// linearised model (2.6e-5 measured at 10 steps).
		cfg := Config{Param: NTK, Depth: 2, Width: 64, Alpha: tc.alpha, Center: true, LR: 1, Steps: tc.steps, KRR: true, Seed: 1}
		// alpha 1000: gap 5.2e-3 measured; alpha 1: 0.16.
		res, err := Train(context.Background(), cfg, tr, te)
		if err != nil {
			t.Fatal(err)
		}
		if (*res.LinGap < lazyGapTol) != tc.lazy {
			t.Errorf("alpha %v, %d steps: gap to initial-NTK regression %.3g (tolerance %v), final train loss %.3g", tc.alpha, tc.steps, *res.LinGap, lazyGapTol, res.FinalLoss)
		}
	}
}

func TestDeterministic(t *testing.T) {
	tr, te := teacherData(t, 5, 32, 40)
	cfg := Config{Param: NTK, Depth: 3, Width: 16, LR: 0.5, Steps: 20, Batch: 8, Seed: 9}
	a, err := Train(context.Background(), cfg, tr, te)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Train(context.Background(), cfg, tr, te)
	if a.TestRelMSE != b.TestRelMSE || a.NTKMove != b.NTKMove {
		t.Fatalf("same seed, different results: %v/%v and %v/%v", a.TestRelMSE, a.NTKMove, b.TestRelMSE, b.NTKMove)
	}
}

func TestBadInput(t *testing.T) {
	tr, te := teacherData(t, 5, 8, 8)
	ok := Config{Param: NTK, Depth: 2, Width: 4, LR: 1, Steps: 1}
	cls := *tr
	cls.Task = concept.TaskClassification
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
		tr   *concept.Dataset
	}{
		{"param", func(c *Config) { c.Param = "mup" }, tr},
		{"depth", func(c *Config) { c.Depth = 7 }, tr},
		{"width", func(c *Config) { c.Width = 0 }, tr},
		{"too many params", func(c *Config) { c.Depth, c.Width = 3, 1<<14 }, tr},
		{"alpha", func(c *Config) { c.Alpha = math.NaN() }, tr},
		{"lr", func(c *Config) { c.LR = 0 }, tr},
		{"steps", func(c *Config) { c.Steps = 0 }, tr},
		{"batch", func(c *Config) { c.Batch = -1 }, tr},
		{"classification", func(*Config) {}, &cls},
		{"nil data", func(*Config) {}, nil},
	} {
		cfg := ok
		tc.cfg(&cfg)
		if _, err := Train(context.Background(), cfg, tc.tr, te); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err %v, want ErrConfig", tc.name, err)
		}
	}
	if _, err := Train(context.Background(), Config{Param: NTK, Depth: 2, Width: 4, LR: 1e6, Steps: 50}, tr, te); err == nil {
		t.Errorf("lr 1e6: no divergence error")
	}
}
