package kernel

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/numeric"
)

func regData(n, d int, seed uint64) data {
	x := gaussian(n, d, seed)
	return data{Task: concept.TaskRegression, X: x, Y: smoothTarget(x)}
}

// TestMatchesSklearn: predictions equal scikit-learn's KernelRidge on the
// same data, kernel and (absolute) ridge to 1e-8 relative.
func TestMatchesSklearn(t *testing.T) {
	train := regData(300, 5, 1)
	test := gaussian(50, 5, 2)
	for _, spec := range []string{"poly:2", "poly:4", "poly:3:c=0.5", "rbf", "rbf:gamma=0.05"} {
		t.Run(spec, func(t *testing.T) {
			k, err := Parse(spec, 1)
			if err != nil {
				t.Fatal(err)
			}
			res, err := fit(k, train, Options{Ridge: 1e-3})
			if err != nil {
				t.Fatal(err)
			}
			pred, err := res.Predictor.Predict(test)
			if err != nil {
				t.Fatal(err)
			}
			ref := runRef(t, map[string]Matrix{"x_train": train.X, "y_train": {Rows: 300, Cols: 1, Data: train.Y}, "x_test": test},
				"krr", "--kernel", spec, "--ridge", "1e-3")
			want, _ := ref.Get("pred")
			alpha, _ := ref.Get("alpha_abs")
			if d := math.Abs(res.RidgeAbs-alpha.Float64s()[0]) / alpha.Float64s()[0]; d > 1e-12 {
				t.Fatalf("absolute ridge %g, scikit-learn used %g", res.RidgeAbs, alpha.Float64s()[0])
			}
			if d := relDiff(pred.Data, want.Float64s()); d > 1e-8 {
				t.Errorf("max relative difference to scikit-learn %g > 1e-8", d)
			}
		})
	}
}

// TestRidgeSearchConsistent: the validation losses of the grid, computed
// with the in-place factorisation of the fit block, equal those of
// separate fits on the fit rows; and the chosen ridge is the argmin.
func TestRidgeSearchConsistent(t *testing.T) {
	d := regData(200, 4, 3)
	// Noise makes the validation loss depend on the ridge.
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range d.Y {
		d.Y[i] += 0.3 * rng.NormFloat64()
	}
	k := RBF{}
	opt := Options{Seed: 5, Grid: []float64{1e-4, 1e-2, 1e-1, 1}}
	res, err := fit(k, d, opt)
	if err != nil {
		t.Fatal(err)
	}
	// Reconstruct the split as Fit does.
	perm := rand.New(rand.NewPCG(5, 0x9e3779b97f4a7c15)).Perm(200)
	p := d.subset(perm)
	fitSet := p.subset(seq(0, 160))
	val := p.subset(seq(160, 200))
	best, bestLoss := 0.0, math.Inf(1)
	for i, lam := range opt.Grid {
		r, err := fit(k, fitSet, Options{Ridge: lam})
		if err != nil {
			t.Fatal(err)
		}
		pred, _ := r.Predictor.Predict(val.X)
		m, _ := score(pred, val)
		if g := res.Grid[i]; math.Abs(g.ValMSE-m.MSE) > 1e-9*m.MSE {
			t.Errorf("ridge %g: grid validation MSE %g, separate fit %g", lam, g.ValMSE, m.MSE)
		}
		if m.MSE < bestLoss {
			best, bestLoss = lam, m.MSE
		}
	}
	if res.Ridge != best {
		t.Errorf("chose ridge %g, argmin is %g (grid %+v)", res.Ridge, best, res.Grid)
	}
	if res.Ridge == opt.Grid[0] || res.Ridge == opt.Grid[3] {
		t.Logf("note: the chosen ridge %g is at the grid's edge", res.Ridge)
	}
}

func seq(a, b int) []int {
	s := make([]int, b-a)
	for i := range s {
		s[i] = a + i
	}
	return s
}

// TestSolversAgree: Nystrom with every point a landmark and preconditioned
// CG reproduce the exact solution; a GramFunc wrapping a kernel gives the
// same fit as the kernel itself.
func TestSolversAgree(t *testing.T) {
	train := regData(400, 5, 4)
	test := gaussian(60, 5, 5)
	k := Poly{Degree: 3, C: 1}
	fitPred := func(k Kernel, opt Options) []float64 {
		t.Helper()
		opt.Ridge = 1e-2
		res, err := fit(k, train, opt)
		if err != nil {
			t.Fatal(err)
		}
		pred, err := res.Predictor.Predict(test)
		if err != nil {
			t.Fatal(err)
		}
		return pred.Data
	}
	exact := fitPred(k, Options{})
	for _, c := range []struct {
		name string
		k    Kernel
		opt  Options
		tol  float64
	}{
		// Measured 2.3e-11 (OpenBLAS, AMD EPYC).
		{"nystrom:400", k, Options{Method: MethodNystrom, Landmarks: 400}, 1e-9},
		// The float32 Gram perturbs K by ~6e-8 relative, amplified by the
		// condition number of K + mu I (here ~1e2-1e3).
		{"cg:100", k, Options{Method: MethodCG, Landmarks: 100, CGTol: 1e-9}, 1e-4},
		{"gramfunc", GramFunc{Name: "wrapped", F: k.Gram}, Options{}, 1e-12},
	} {
		if d := relDiff(fitPred(c.k, c.opt), exact); d > c.tol {
			t.Errorf("%s: differs from exact by %g > %g", c.name, d, c.tol)
		}
	}
	// Fewer landmarks: an approximation, but a sane one.
	if d := relDiff(fitPred(k, Options{Method: MethodNystrom, Landmarks: 100}), exact); d > 0.5 || d == 0 {
		t.Errorf("nystrom:100 differs from exact by %g", d)
	}
}

// TestPrimalEqualsDual: ridge on random features in the primal (width <
// n) predicts what the dual KRR with K = Phi Phiᵀ does.
func TestPrimalEqualsDual(t *testing.T) {
	train := regData(300, 4, 6)
	test := gaussian(40, 4, 7)
	for _, unit := range []string{"relu", "quad"} {
		k, _ := Parse("rf-"+unit+":120", 11)
		res, err := fit(k, train, Options{Ridge: 1e-3})
		if err != nil {
			t.Fatal(err)
		}
		if res.Method != "exact-primal" || res.Predictor.Form != FormPrimal {
			t.Fatalf("method %s form %s, want the primal", res.Method, res.Predictor.Form)
		}
		primal, _ := res.Predictor.Predict(test)
		// The same kernel as a Gram function forces the dual path.
		dual, err := fit(GramFunc{Name: "rf", F: k.Gram}, train, Options{Ridge: 1e-3})
		if err != nil {
			t.Fatal(err)
		}
		dp, _ := dual.Predictor.Predict(test)
		if d := relDiff(primal.Data, dp.Data); d > 1e-7 {
			t.Errorf("%s: primal and dual differ by %g", unit, d)
		}
	}
}

// TestLearns: on a target inside its span, a kernel fits well; the
// classification and multiclass tasks run end to end.
func TestLearns(t *testing.T) {
	train := regData(600, 4, 8)
	test := regData(300, 4, 9)
	res, err := fit(Poly{Degree: 4, C: 1}, train, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pred, _ := res.Predictor.Predict(test.X)
	m, _ := score(pred, test)
	if m.RelMSE > 0.01 {
		t.Errorf("poly:4 on a degree-4 target: test rel MSE %g > 0.01", m.RelMSE)
	}
	// Binary: sign of the same target.
	cls := func(d data) data {
		c := data{Task: concept.TaskClassification, X: d.X}
		for _, v := range d.Y {
			c.Y = append(c.Y, math.Copysign(1, v))
		}
		return c
	}
	res, err = fit(RBF{}, cls(train), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pred, _ = res.Predictor.Predict(test.X)
	m, _ = score(pred, cls(test))
	if m.Error == nil || *m.Error > 0.25 {
		t.Errorf("classification error %v", m.Error)
	}
	// Multiclass: 3 classes from terciles of the target.
	mc := func(d data) data {
		c := data{Task: concept.TaskMulticlass, X: d.X}
		for _, v := range d.Y {
			c.Labels = append(c.Labels, int64(min(max(math.Floor(v+1.5), 0), 2)))
		}
		return c
	}
	res, err = fit(Poly{Degree: 4, C: 1}, mc(train), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Predictor.Classes != 3 || res.Predictor.Alpha.Cols != 3 {
		t.Fatalf("multiclass model has %d classes, %d outputs", res.Predictor.Classes, res.Predictor.Alpha.Cols)
	}
	pred, _ = res.Predictor.Predict(test.X)
	m, _ = score(pred, mc(test))
	// Chance is about 0.5 or more; a useful model does far better.
	if *m.Error > 0.3 {
		t.Errorf("multiclass error %g", *m.Error)
	}
}

func TestMemoryLimit(t *testing.T) {
	train := regData(500, 3, 1)
	for _, method := range []string{MethodExact, MethodCG, MethodNystrom} {
		_, err := fit(RBF{}, train, Options{Ridge: 1e-3, Method: method, MemLimit: 100 << 10})
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "GiB") {
			t.Errorf("%s: err = %v, want ErrTooLarge naming the sizes", method, err)
		}
	}
}

func TestBadInput(t *testing.T) {
	good := regData(50, 3, 1)
	nan := regData(50, 3, 1)
	nan.X.Data[17] = math.NaN()
	infY := regData(50, 3, 1)
	infY.Y[3] = math.Inf(1)
	short := regData(50, 3, 1)
	short.Y = short.Y[:49]
	badLabel := data{Task: concept.TaskClassification, X: good.X, Y: append([]float64(nil), good.Y...)}
	badTask := data{Task: "ranking", X: good.X, Y: good.Y}
	for _, c := range []struct {
		name string
		data data
		opt  Options
		want string
	}{
		{"nan", nan, Options{Ridge: 1e-3}, "non-finite value NaN at row 5, column 2"},
		{"inf target", infY, Options{Ridge: 1e-3}, "non-finite target"},
		{"short y", short, Options{Ridge: 1e-3}, "49 targets for 50 points"},
		{"labels", badLabel, Options{Ridge: 1e-3}, "not ±1"},
		{"task", badTask, Options{Ridge: 1e-3}, "unknown task"},
		{"ridge", good, Options{Ridge: -1}, "ridge -1"},
		{"method", good, Options{Ridge: 1e-3, Method: "svd"}, "unknown method"},
		{"grid", good, Options{Grid: []float64{1, 0}}, "grid value 0"},
		{"empty", data{X: Matrix{}}, Options{}, "no data"},
	} {
		_, err := fit(RBF{}, c.data, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
	// poly:64 on inputs scaled by 1e6 overflows float64.
	huge := regData(30, 3, 1)
	for i := range huge.X.Data {
		huge.X.Data[i] *= 1e6
	}
	for _, method := range []string{MethodExact, MethodNystrom, MethodCG} {
		_, err := fit(Poly{Degree: 64, C: 1}, huge, Options{Ridge: 1e-3, Method: method, Landmarks: 10})
		if err == nil || !strings.Contains(err.Error(), "overflow") {
			t.Errorf("%s: overflowing kernel: err = %v", method, err)
		}
	}
	res, err := fit(RBF{}, good, Options{Ridge: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := res.Predictor.Predict(gaussian(5, 4, 1)); err == nil || !strings.Contains(err.Error(), "4 columns, the model was fitted on 3") {
		t.Errorf("dimension mismatch: err = %v", err)
	}
	bad := gaussian(5, 3, 1)
	bad.Data[2] = math.NaN()
	if _, err := res.Predictor.Predict(bad); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN test input: err = %v", err)
	}
}

func TestParseMethod(t *testing.T) {
	for _, c := range []struct {
		in     string
		method string
		m      int
		ok     bool
	}{
		{"exact", MethodExact, 0, true}, {"cg", MethodCG, 0, true}, {"cg:500", MethodCG, 500, true},
		{"nystrom:4096", MethodNystrom, 4096, true}, {"nystrom", MethodNystrom, 0, true},
		{"exact:3", "", 0, false}, {"nystrom:0", "", 0, false}, {"nystrom:x", "", 0, false}, {"lsqr", "", 0, false},
	} {
		var o Options
		err := o.ParseMethod(c.in)
		if (err == nil) != c.ok || (c.ok && (o.Method != c.method || o.Landmarks != c.m)) {
			t.Errorf("ParseMethod(%q) = %+v, %v", c.in, o, err)
		}
	}
}

func TestSaveLoad(t *testing.T) {
	train := regData(120, 4, 2)
	test := gaussian(30, 4, 3)
	for _, spec := range []string{"rbf", "poly:4", "ntk:3", "comp", "rf-relu:50", "rf-quad:300"} {
		k, _ := Parse(spec, 42)
		res, err := fit(k, train, Options{Ridge: 1e-3, Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), PredictorFile)
		if err := res.Predictor.Save(path, 42); err != nil {
			t.Fatal(err)
		}
		p, err := Load(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		a, _ := res.Predictor.Predict(test)
		b, err := p.Predict(test)
		if err != nil {
			t.Fatal(err)
		}
		for i := range a.Data {
			if a.Data[i] != b.Data[i] {
				t.Fatalf("%s: loaded predictor differs at %d: %g vs %g", spec, i, a.Data[i], b.Data[i])
			}
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.npz")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}

// TestMixedPrecision: the mixed-precision exact solve (float32 Cholesky
// preconditioning float64 CG) gives the float64 Cholesky's predictions,
// in a bounded number of CG iterations, and an ill-conditioned system
// (poly:2 on d=6 has rank 28 < n; tiny ridge) falls back to float64.
func TestMixedPrecision(t *testing.T) {
	train := regData(500, 6, 12)
	test := gaussian(80, 6, 13)
	for _, c := range []struct {
		spec  string
		ridge float64
		// maxIter bounds the CG iterations at about 2x those measured:
		// 5, 5, 3, and 21 on rbf at ridge 1e-7, where the float32
		// preconditioner is rough and CG without its conjugation term
		// takes 61.
		maxIter int
	}{{"rbf", 1e-3, 12}, {"poly:4", 1e-4, 12}, {"ntk:3", 1e-5, 8}, {"poly:2", 1e-12, 0}, {"rbf", 1e-7, 40}} {
		k, _ := Parse(c.spec, 1)
		mixed, err := fit(k, train, Options{Ridge: c.ridge})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := fit(k, train, Options{Ridge: c.ridge, Float64Only: true})
		if err != nil {
			t.Fatal(err)
		}
		if plain.Solver != "float64-cholesky" {
			t.Fatalf("Float64Only used %q", plain.Solver)
		}
		a, _ := mixed.Predictor.Predict(test)
		b, _ := plain.Predictor.Predict(test)
		d := relDiff(a.Data, b.Data)
		t.Logf("%s ridge %g: solver %s, %d iterations, %d fallbacks, max rel diff %.2g", c.spec, c.ridge, mixed.Solver, mixed.Iterations, mixed.Fallbacks, d)
		if d > 1e-9 && mixed.Solver != "float64-cholesky" {
			t.Errorf("%s: mixed precision differs from float64 by %g", c.spec, d)
		}
		if mixed.Solver == "float32-cholesky+cg" && mixed.Iterations > c.maxIter {
			t.Errorf("%s ridge %g: %d CG iterations, want at most %d", c.spec, c.ridge, mixed.Iterations, c.maxIter)
		}
		if !numeric.FastCholesky32() {
			continue
		}
		if c.ridge > 1e-9 && mixed.Solver != "float32-cholesky+cg" {
			t.Errorf("%s ridge %g: solver %s, want mixed precision", c.spec, c.ridge, mixed.Solver)
		}
		if c.ridge < 1e-9 && mixed.Fallbacks == 0 {
			t.Errorf("%s ridge %g: no fallback on an ill-conditioned system", c.spec, c.ridge)
		}
	}
}

// TestMultiOutputSolvers: one-vs-rest targets (3 outputs) through every
// solver give the exact float64 answer.
func TestMultiOutputSolvers(t *testing.T) {
	x := gaussian(300, 4, 31)
	d := data{Task: concept.TaskMulticlass, X: x}
	for i := 0; i < x.Rows; i++ {
		d.Labels = append(d.Labels, int64((i*7)%3))
	}
	test := gaussian(50, 4, 32)
	predict := func(opt Options) []float64 {
		t.Helper()
		opt.Ridge = 1e-2
		res, err := fit(RBF{}, d, opt)
		if err != nil {
			t.Fatal(err)
		}
		p, err := res.Predictor.Predict(test)
		if err != nil {
			t.Fatal(err)
		}
		if p.Cols != 3 {
			t.Fatalf("%d outputs", p.Cols)
		}
		return p.Data
	}
	want := predict(Options{Float64Only: true})
	for name, c := range map[string]struct {
		opt Options
		tol float64
	}{
		"mixed": {Options{}, 1e-11}, // measured 3.4e-13 (OpenBLAS, AMD EPYC)
		// measured 7.6e-7 (pure Go, amd64), 9.0e-7 (OpenBLAS), 2.5e-6 (386)
		"nystrom": {Options{Method: MethodNystrom, Landmarks: 300}, 3e-5},
		// measured 4.0e-5 (pure Go, amd64), 5.0e-5 (OpenBLAS), 6.2e-5 (386)
		"cg": {Options{Method: MethodCG, Landmarks: 50, CGTol: 1e-9}, 1e-3},
	} {
		if diff := relDiff(predict(c.opt), want); diff > c.tol {
			t.Errorf("%s: differs from float64 exact by %g > %g", name, diff, c.tol)
		}
	}
}
