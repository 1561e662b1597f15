package robust

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// fdTol bounds the relative error of the analytic gradients against
// central differences with step 1e-6 (seen: about 1e-9; the ReLU kinks
// are avoided by the random points).
const fdTol = 1e-6

func randVec(r *rand.Rand, n int, s float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = s * r.NormFloat64()
	}
	return v
}

// checkInputGrad compares InputGrad with central differences of
// sum_t r_t f(x_t).
func checkInputGrad(t *testing.T, name string, m Model, x, r []float64, rows int) {
	t.Helper()
	d := m.Dim()
	g := m.InputGrad(x, rows, r)
	obj := func(x []float64) float64 {
		s := 0.0
		for i, v := range m.Scores(x, rows) {
			s += r[i] * v
		}
		return s
	}
	worst, scale := 0.0, 0.0
	for i := range rows * d {
		const h = 1e-6
		xp := append([]float64(nil), x...)
		xm := append([]float64(nil), x...)
		xp[i] += h
		xm[i] -= h
		fd := (obj(xp) - obj(xm)) / (2 * h)
		worst = math.Max(worst, math.Abs(fd-g[i]))
		scale = math.Max(scale, math.Abs(fd))
	}
	if worst > fdTol*math.Max(scale, 1e-3) {
		t.Errorf("%s: input gradient off by %.3g (scale %.3g)", name, worst, scale)
	}
}

func TestGradientsFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	d, rows := 7, 4
	x := randVec(r, rows*d, 1)
	w := randVec(r, rows, 1)
	net := NewNet(d, 5, 1, -0.1, 1, false, 3)
	ntk := NewNet(d, 5, 1, 0.05, 30, true, 4)
	for i := range ntk.W { // move away from initialisation
		ntk.W[i] += 0.1 * r.NormFloat64()
	}
	for i := range ntk.B {
		ntk.B[i] += 0.1 * r.NormFloat64()
	}
	lin := &Linear{W: randVec(r, d, 1), B: 0.3}
	// A polynomial kernel predictor from kernel ridge on 30 points.
	tr := &concept.Dataset{Task: concept.TaskClassification, N: 30, D: d, X: randVec(r, 30*d, 1), Y: make([]float64, 30)}
	for i := range tr.Y {
		tr.Y[i] = 1
		if tr.X[i*d] < 0 {
			tr.Y[i] = -1
		}
	}
	fit, err := kernel.Fit(kernel.Poly{Degree: 3, C: 1}, tr, kernel.Options{Seed: 1, Ridge: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	poly, err := NewPolyKernel(fit.Predictor)
	if err != nil {
		t.Fatal(err)
	}
	// The closed form agrees with the kernel package's own prediction.
	want, err := fit.Predictor.Predict(kernel.Matrix{Rows: rows, Cols: d, Data: x})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range poly.Scores(x, rows) {
		if math.Abs(v-want.Data[i]) > 1e-9*math.Max(1, math.Abs(v)) {
			t.Fatalf("poly f[%d] = %v, kernel.Predict %v", i, v, want.Data[i])
		}
	}
	for _, tc := range []struct {
		name string
		m    Model
	}{{"net", net}, {"ntk centred", ntk}, {"linear", lin}, {"poly:3", poly}} {
		checkInputGrad(t, tc.name, tc.m, x, w, rows)
	}
	// Parameter gradients of the network, W and B.
	for _, n := range []*Net{net, ntk} {
		_, gw, gb := n.paramGrad(x, rows, w)
		obj := func() float64 {
			s := 0.0
			for i, v := range n.Scores(x, rows) {
				s += w[i] * v
			}
			return s
		}
		for _, p := range []struct {
			v, g []float64
		}{{n.W, gw}, {n.B, gb}} {
			for i := range p.v {
				const h = 1e-6
				old := p.v[i]
				p.v[i] = old + h
				fp := obj()
				p.v[i] = old - h
				fm := obj()
				p.v[i] = old
				if fd := (fp - fm) / (2 * h); math.Abs(fd-p.g[i]) > fdTol*math.Max(1, math.Abs(fd)) {
					t.Fatalf("parameter gradient %d: %v, finite differences %v", i, p.g[i], fd)
				}
			}
		}
	}
}

// On a linear model the attacks have closed forms: FGM under l2 lowers the
// margin y f by exactly eps ||w||_2, under l-infinity by eps ||w||_1, and
// PGD can do no better.
func TestAttacksOnLinearModel(t *testing.T) {
	lin := &Linear{W: []float64{3, -4, 0}, B: 0.5}
	x := []float64{1, 0, 2, 0, -0.25, 1}
	y := []float64{1, 1}
	f0 := lin.Scores(x, 2)
	for _, tc := range []struct {
		a    Attack
		drop float64
	}{
		{Attack{Method: FGM, Norm: L2, Eps: 0.2}, 0.2 * 5},
		{Attack{Method: FGM, Norm: LInf, Eps: 0.2}, 0.2 * 7},
		{Attack{Method: PGD, Norm: L2, Eps: 0.2}, 0.2 * 5},
		{Attack{Method: PGD, Norm: LInf, Eps: 0.2, Steps: 3}, 0.2 * 7},
		{Attack{Method: PGD, Norm: L2, Eps: 0.2, Restarts: 3, Seed: 1}, 0.2 * 5},
		{Attack{Method: PGD, Norm: LInf, Eps: 0.2, Restarts: 3, Seed: 1}, 0.2 * 7},
	} {
		adv := tc.a.Perturb(lin, x, y, 2)
		f := lin.Scores(adv, 2)
		for i := range f {
			if got := f0[i] - f[i]; math.Abs(got-tc.drop) > 1e-12 {
				t.Errorf("%s: point %d margin drop %v, want %v", tc.a, i, got, tc.drop)
			}
		}
		// The perturbation stays in the ball.
		for i := range 2 {
			n2, ninf := 0.0, 0.0
			for j := range 3 {
				e := adv[i*3+j] - x[i*3+j]
				n2 += e * e
				ninf = math.Max(ninf, math.Abs(e))
			}
			if n := map[string]float64{L2: math.Sqrt(n2), LInf: ninf}[tc.a.Norm]; n > tc.a.Eps+1e-12 {
				t.Errorf("%s: perturbation of norm %v", tc.a, n)
			}
		}
	}
	// Point 0 has margin 3.5, point 1 margin 1.5: at l2 radius 0.5 (drop
	// 2.5) only point 0 survives.
	if acc := RobustAccuracy(lin, Attack{Method: PGD, Norm: L2, Eps: 0.5}, x, y, 2); acc != 0.5 {
		t.Errorf("robust accuracy %v, want 0.5", acc)
	}
}

// A neuron w = 2 M_1 + 0.5 M_2 + 0.1 (M_3 + ... + M_6) has, at k = 1, pure
// norm 2 and dense norm sqrt(0.25 + 4 * 0.01).
func TestDecompose(t *testing.T) {
	sc, err := concept.NewSparseCoding(concept.SparseCodingSpec{D: 6, K: 2, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	d := 6
	c := []float64{2, 0.5, 0.1, 0.1, 0.1, 0.1}
	n := &Net{D: d, Width: 2, W: make([]float64, 2*d), B: []float64{-0.5, 0}, W0: make([]float64, 2*d)}
	for r := range d { // neuron 0: M c; neuron 1: the atom M_4 alone
		for i := range d {
			n.W[r] += sc.M[r*d+i] * c[i]
		}
		n.W[d+r] = sc.M[r*d+4]
		n.W0[r] = n.W[r] // neuron 0 unchanged since initialisation
		n.W0[d+r] = sc.M[r*d+5]
	}
	dec, err := Decompose(n, sc.M, 1)
	if err != nil {
		t.Fatal(err)
	}
	a, b := dec.Neurons[0], dec.Neurons[1]
	dense := math.Sqrt(0.25 + 0.04)
	for _, v := range []struct {
		name      string
		got, want float64
	}{
		{"pure", a.Pure, 2}, {"dense", a.Dense, dense}, {"ratio", a.Ratio, dense / 2},
		{"cos init", a.CosInit, 1}, {"atom ratio", b.Ratio, 0}, {"atom effective", b.Effective, 1},
		{"atom cos init", b.CosInit, 0},
		{"layer ratio", dec.MixtureRatio, dense / math.Sqrt(4+1)},
	} {
		if math.Abs(v.got-v.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", v.name, v.got, v.want)
		}
	}
	if _, err := Decompose(n, sc.M[:5], 1); !errors.Is(err, ErrConfig) {
		t.Errorf("short dictionary: err = %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	good := Config{Kind: KindNet, Width: 4, Init: 0.1, LR: 0.01, Batch: 10, Steps: 1}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*Config){
		"kind":     func(c *Config) { c.Kind = "mlp" },
		"width":    func(c *Config) { c.Width = 0 },
		"init":     func(c *Config) { c.Init = math.NaN() },
		"lr":       func(c *Config) { c.LR = 0 },
		"momentum": func(c *Config) { c.Momentum = 1 },
		"batch":    func(c *Config) { c.Batch = 0 },
		"alpha":    func(c *Config) { c.Kind, c.Alpha = KindNTK, 0.5 },
		"attack":   func(c *Config) { c.Adv = Attack{Method: "cw", Norm: L2, Eps: 1} },
		"norm":     func(c *Config) { c.Adv = Attack{Method: PGD, Norm: "l1", Eps: 1} },
		"eps":      func(c *Config) { c.Adv = Attack{Method: PGD, Norm: L2, Eps: -1} },
	} {
		c := good
		edit(&c)
		if err := c.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
	reg := &concept.Dataset{Task: concept.TaskRegression, N: 2, D: 1, X: []float64{1, 2}, Y: []float64{1, 2}}
	if _, err := Train(context.Background(), good, reg); !errors.Is(err, ErrConfig) {
		t.Errorf("regression data: err = %v", err)
	}
}

// A short run on sparse-coding data: clean training learns (test accuracy
// well above chance) and the run is a pure function of its seed.
func TestTrainSmall(t *testing.T) {
	sc, err := concept.NewSparseCoding(concept.SparseCodingSpec{D: 16, Noise: 0.05, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := sc.Sample(1000, 1)
	te, _ := sc.Sample(500, 2)
	e := Experiment{Kind: KindNet, Train: Config{Width: 16, Init: 0.1, LR: 0.01, Adam: true, Batch: 50, Steps: 400, Seed: 1},
		L2Radii: []float64{0, 0.2}, LInfRadii: []float64{0.05}}
	a, err := Run(context.Background(), e, sc, tr, te)
	if err != nil {
		t.Fatal(err)
	}
	// Seen: 0.97 (chance 0.5).
	if a.TestAccuracy < 0.7 {
		t.Errorf("clean test accuracy %v", a.TestAccuracy)
	}
	if a.L2[0].PGD != a.TestAccuracy || a.L2[1].PGD > a.L2[0].PGD {
		t.Errorf("robust accuracy %+v against clean %v", a.L2, a.TestAccuracy)
	}
	b, err := Run(context.Background(), e, sc, tr, te)
	if err != nil {
		t.Fatal(err)
	}
	if a.TestAccuracy != b.TestAccuracy || a.Final.MixtureRatio != b.Final.MixtureRatio {
		t.Error("two runs with one seed differ")
	}
}

// TestPurificationSmall is the preset's claim in miniature (d=36, margin
// 1): PGD-l2 training keeps more accuracy under attack than clean training
// and lowers the dense-mixture ratio of the neurons (seen: PGD accuracy
// at l2 0.4 from 0.39 to 0.87, mixture ratio from 2.4 to 0.20; required:
// +0.1 and a halving).
func TestPurificationSmall(t *testing.T) {
	sc, err := concept.NewSparseCoding(concept.SparseCodingSpec{D: 36, Noise: 0.1, Margin: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := sc.Sample(3000, 1)
	te, _ := sc.Sample(500, 2)
	base := Config{Width: 48, Init: 0.1, LR: 0.003, Adam: true, Batch: 100, Steps: 1500, Seed: 1}
	adv := base
	adv.Adv = Attack{Method: PGD, Norm: L2, Eps: 0.4, Steps: 3}
	var got [2]*Result
	for i, c := range []Config{base, adv} {
		r, err := Run(context.Background(), Experiment{Kind: KindNet, Train: c, L2Radii: []float64{0.4}, EvalSteps: 5}, sc, tr, te)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("adversarial %v: clean %.3f, PGD at 0.4 %.3f, mixture ratio %.3f", i == 1, r.TestAccuracy, r.L2[0].PGD, r.Final.MixtureRatio)
		got[i] = r
	}
	if got[1].L2[0].PGD < got[0].L2[0].PGD+0.1 || got[1].Final.MixtureRatio > got[0].Final.MixtureRatio/2 {
		t.Errorf("no purification: PGD accuracy %.3f -> %.3f, mixture ratio %.3f -> %.3f",
			got[0].L2[0].PGD, got[1].L2[0].PGD, got[0].Final.MixtureRatio, got[1].Final.MixtureRatio)
	}
}
