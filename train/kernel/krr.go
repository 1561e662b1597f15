package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/numeric"
)

// Methods.
const (
	MethodExact   = "exact"   // dense Gram + Cholesky (primal for narrow feature maps)
	MethodNystrom = "nystrom" // m landmarks, streamed
	MethodCG      = "cg"      // preconditioned conjugate gradients on a stored float32 Gram
)

// DefaultGrid is the grid of relative ridges lambda searched when
// Options.Ridge is 0; the absolute ridge is lambda * tr(K)/n.
var DefaultGrid = []float64{1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1}

// Options configure Fit. The zero value is usable: exact solver, ridge
// chosen from DefaultGrid on a 20% validation split.
type Options struct {
	Ridge       float64   // relative ridge lambda; 0: choose from Grid on validation data
	Grid        []float64 // default DefaultGrid
	ValFraction float64   // share of the training data held out to choose the ridge; default 0.2
	Method      string    // MethodExact (default), MethodNystrom, MethodCG
	Landmarks   int       // Nystrom landmarks, and the CG preconditioner's rank; default 2048
	Seed        uint64    // validation split, landmarks
	MemLimit    int64     // bytes; 0: DefaultMemLimit()
	CGTol       float64   // relative residual; default 1e-6
	CGMaxIter   int       // default 1000
	// Float64Only disables the mixed-precision exact solve (float32
	// Cholesky preconditioning float64 CG) and factorises in float64.
	Float64Only bool
}

// ParseMethod reads "exact", "cg", "cg:M", "nystrom" or "nystrom:M" into
// o.Method and o.Landmarks.
func (o *Options) ParseMethod(s string) error {
	name, arg, hasArg := strings.Cut(s, ":")
	switch name {
	case MethodExact:
		if hasArg {
			return fmt.Errorf("method %q: exact takes no argument", s)
		}
	case MethodNystrom, MethodCG:
		if hasArg {
			m, err := strconv.Atoi(arg)
			if err != nil || m < 1 {
				return fmt.Errorf("method %q: the number of landmarks must be a positive integer", s)
			}
			o.Landmarks = m
		}
	default:
		return fmt.Errorf("method %q: want exact, cg[:M] or nystrom[:M]", s)
	}
	o.Method = name
	return nil
}

// GridPoint is one ridge tried on the validation split.
type GridPoint struct {
	Ridge   float64 `json:"ridge"`
	ValLoss float64 `json:"val_loss"` // validation MSE (regression) or 0-1 error
	ValMSE  float64 `json:"val_mse"`
	ValRel  float64 `json:"val_rel_mse"`      // ValMSE / population variance of the validation targets
	Failed  string  `json:"failed,omitempty"` // why the solve failed (not positive definite)
}

// Result is a fitted model and how it was chosen.
type Result struct {
	Predictor  *Predictor
	Ridge      float64     // the relative ridge lambda used for the final fit
	RidgeAbs   float64     // lambda * tr(K)/n
	Grid       []GridPoint // empty with a fixed ridge
	Method     string      // the method actually used ("exact-primal" for narrow feature maps)
	Iterations int         // CG iterations (the most of any solve)
	// Solver is how the exact method solved: "float32-cholesky+cg" (mixed
	// precision) or "float64-cholesky".
	Solver     string
	Fallbacks  int // mixed-precision solves that fell back to float64
	FitSeconds float64
}

// Fit fits kernel ridge regression of the targets of train on kernel k.
func Fit(k Kernel, train *concept.Dataset, opt Options) (*Result, error) {
	return fit(k, dataOf(train), opt)
}

func fit(k Kernel, train data, opt Options) (*Result, error) {
	start := time.Now()
	if train.Task == "" {
		train.Task = concept.TaskRegression
	}
	if err := train.check("train"); err != nil {
		return nil, err
	}
	opt.setDefaults()
	if opt.Ridge < 0 || math.IsNaN(opt.Ridge) {
		return nil, fmt.Errorf("ridge %v: must be > 0, or 0 to choose it on validation data", opt.Ridge)
	}
	for _, r := range opt.Grid {
		if !(r > 0) {
			return nil, fmt.Errorf("ridge grid value %v: must be > 0", r)
		}
	}
	n := train.X.Rows
	classes := 0
	if train.Task == concept.TaskMulticlass {
		classes = train.numClasses()
	}
	// Validation split: a seeded permutation puts the fit rows first, so
	// that the fit block of every matrix is its leading block.
	nVal := 0
	if opt.Ridge == 0 {
		nVal = int(math.Round(opt.ValFraction * float64(n)))
		if nVal < 1 || nVal >= n {
			return nil, fmt.Errorf("cannot hold out %.0f%% of %d points to choose the ridge; give a fixed ridge", 100*opt.ValFraction, n)
		}
		rng := rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15))
		train = train.subset(rng.Perm(n))
	}
	s := &solver{k: k, x: train.X, y: train.targets(classes), task: train.Task, nFit: n - nVal, opt: opt}
	p := &Predictor{Kernel: k, Task: train.Task, D: train.X.Cols, Classes: classes}
	res := &Result{Predictor: p}
	var err error
	fm, isFM := AsFeatureMap(k)
	switch {
	case opt.Method == MethodExact && isFM && fm.Width(train.X.Cols) < n:
		res.Method = "exact-primal"
		err = s.primal(fm, res)
	case opt.Method == MethodExact:
		res.Method = MethodExact
		err = s.exact(res)
	case opt.Method == MethodNystrom:
		res.Method = fmt.Sprintf("nystrom:%d", min(opt.Landmarks, n))
		err = s.nystrom(res)
	case opt.Method == MethodCG:
		res.Method = fmt.Sprintf("cg:%d", min(opt.Landmarks, n))
		err = s.cg(res)
	default:
		err = fmt.Errorf("unknown method %q", opt.Method)
	}
	if err != nil {
		return nil, fmt.Errorf("kernel %s, n=%d, %s: %w", k, n, opt.Method, err)
	}
	if isFM && p.Form == FormDual {
		// Keep feature-map models in the primal: beta = phi(X)ᵀ alpha.
		if err := toPrimal(fm, p); err != nil {
			return nil, err
		}
	}
	res.FitSeconds = time.Since(start).Seconds()
	return res, nil
}

func (o *Options) setDefaults() {
	if o.Grid == nil {
		o.Grid = DefaultGrid
	}
	if o.ValFraction == 0 {
		o.ValFraction = 0.2
	}
	if o.Method == "" {
		o.Method = MethodExact
	}
	if o.Landmarks == 0 {
		o.Landmarks = 2048
	}
	if o.MemLimit == 0 {
		o.MemLimit = DefaultMemLimit()
	}
	if o.CGTol == 0 {
		o.CGTol = 1e-6
	}
	if o.CGMaxIter == 0 {
		o.CGMaxIter = 1000
	}
}

// solver holds one fit's data: x and y permuted so that rows [0, nFit)
// fit and rows [nFit, n) validate (nFit == n with a fixed ridge).
type solver struct {
	k    Kernel
	x, y Matrix
	task string
	nFit int
	opt  Options
}

func (s *solver) n() int { return s.x.Rows }

// ridges returns the relative ridges to try on validation data.
func (s *solver) ridges() []float64 {
	if s.opt.Ridge > 0 {
		return nil
	}
	return s.opt.Grid
}

// valLoss scores predictions pred (nVal×c) of the validation rows.
func (s *solver) valLoss(pred []float64) GridPoint {
	c := s.y.Cols
	yv := s.y.Data[s.nFit*c:]
	var sse float64
	for i, v := range yv {
		sse += (pred[i] - v) * (pred[i] - v)
	}
	nv := s.n() - s.nFit
	g := GridPoint{ValMSE: sse / float64(len(yv))}
	mean := make([]float64, c)
	for i, v := range yv {
		mean[i%c] += v / float64(nv)
	}
	var sst float64
	for i, v := range yv {
		sst += (v - mean[i%c]) * (v - mean[i%c])
	}
	if sst > 0 {
		g.ValRel = sse / sst
	}
	switch s.task {
	case concept.TaskClassification:
		wrong := 0
		for i, v := range yv {
			if (pred[i] >= 0) != (v > 0) {
				wrong++
			}
		}
		g.ValLoss = float64(wrong) / float64(nv)
	case concept.TaskMulticlass:
		wrong := 0
		for i := 0; i < nv; i++ {
			if argmax(pred[i*c:(i+1)*c]) != argmax(yv[i*c:(i+1)*c]) {
				wrong++
			}
		}
		g.ValLoss = float64(wrong) / float64(nv)
	default:
		g.ValLoss = g.ValMSE
	}
	return g
}

// choose picks the ridge with the lowest validation loss (ties: lower
// validation MSE, then the larger ridge).
func choose(grid []GridPoint) (float64, error) {
	best := -1
	for i, g := range grid {
		if g.Failed != "" {
			continue
		}
		if best < 0 || g.ValLoss < grid[best].ValLoss ||
			(g.ValLoss == grid[best].ValLoss && g.ValMSE <= grid[best].ValMSE) {
			best = i
		}
	}
	if best < 0 {
		return 0, fmt.Errorf("every ridge in the grid failed (%s)", grid[len(grid)-1].Failed)
	}
	return grid[best].Ridge, nil
}

// exact: the dense Gram of all n points is built once (its lower
// triangle) and kept intact; each ridge of the grid solves on its leading (fit)
// block and predicts the validation rows from the validation×fit block,
// then the final fit solves on all of it. Each solve is mixed precision
// (float32 Cholesky + float64 CG, see solveMixed) when the float32
// Cholesky is fast (OpenBLAS, or the Go-assembly kernels: numeric.FastCholesky32)
// and the float32 factor fits in memory; otherwise, or when that fails,
// the float64 Cholesky factorises the lower triangle in place while the
// upper one keeps K (mirrored on first use), and the lower triangle is
// restored afterwards.
func (s *solver) exact(res *Result) error {
	n, c := s.n(), s.y.Cols
	need := int64(8*n*n)*int64(gramCopies(s.k)) + int64(8*n*(s.x.Cols+2*c))
	if err := checkMem(need, s.opt.MemLimit, fmt.Sprintf("exact KRR (dense %d×%d Gram)", n, n),
		"use --method nystrom:M or cg"); err != nil {
		return err
	}
	var f32 []float32
	if numeric.FastCholesky32() && !s.opt.Float64Only && need+int64(4*n*n) <= s.opt.MemLimit {
		f32 = make([]float32, n*n)
	}
	K := make([]float64, n*n)
	mirrored, err := symGramLower(s.k, s.x, K)
	if err != nil {
		return err
	}
	diag := make([]float64, n)
	for i := range diag {
		diag[i] = K[i*n+i]
	}
	if err := checkDiag(s.k, diag); err != nil {
		return err
	}
	trace := func(m int) float64 {
		t := 0.0
		for _, v := range diag[:m] {
			t += v
		}
		return t
	}
	// solve returns the solution of (K[:m,:m] + mu I) X = Y[:m].
	solve := func(m int, mu float64, final bool) ([]float64, error) {
		rhs := s.y.Data[:m*c]
		if f32 != nil {
			x, it, err := solveMixed(K, n, m, mu, rhs, c, f32)
			if err == nil {
				res.Solver = "float32-cholesky+cg"
				res.Iterations = max(res.Iterations, it)
				return x, nil
			}
			res.Fallbacks++
		}
		if res.Solver == "" {
			res.Solver = "float64-cholesky"
		}
		if !mirrored && !final {
			mirrorLower(n, K) // the upper triangle keeps K during the factorisation
			mirrored = true
		}
		for i := 0; i < m; i++ {
			K[i*n+i] += mu
		}
		x := append([]float64(nil), rhs...)
		err := numeric.Cholesky(m, K, n)
		if err == nil {
			err = numeric.CholSolve(m, K, n, c, x)
		}
		if !final {
			numeric.RestoreLower(m, K, n, diag)
		}
		return x, err
	}
	nf := s.nFit
	for _, lam := range s.ridges() {
		g := GridPoint{Ridge: lam}
		alpha, err := solve(nf, lam*trace(nf)/float64(nf), false)
		if err != nil {
			g.Failed = err.Error()
		} else {
			nv := n - nf
			pred := make([]float64, nv*c)
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
				blas64.General{Rows: nv, Cols: nf, Stride: n, Data: K[nf*n:]},
				blas64.General{Rows: nf, Cols: c, Stride: c, Data: alpha},
				0, blas64.General{Rows: nv, Cols: c, Stride: c, Data: pred})
			vl := s.valLoss(pred)
			g.ValLoss, g.ValMSE, g.ValRel = vl.ValLoss, vl.ValMSE, vl.ValRel
		}
		res.Grid = append(res.Grid, g)
	}
	lam := s.opt.Ridge
	if len(res.Grid) > 0 {
		if lam, err = choose(res.Grid); err != nil {
			return err
		}
	}
	res.Ridge = lam
	res.RidgeAbs = lam * trace(n) / float64(n)
	alpha, err := solve(n, res.RidgeAbs, true)
	if err != nil {
		return fmt.Errorf("ridge %g: %w; try a larger ridge", lam, err)
	}
	p := res.Predictor
	p.Form = FormDual
	p.Centers = s.x
	p.Alpha = Matrix{Rows: n, Cols: c, Data: alpha}
	return nil
}

// gramCopies is how many n×n buffers SymGram needs for k.
func gramCopies(k Kernel) int {
	if _, ok := k.(Comp); ok {
		return 2
	}
	return 1
}

// primal fits ridge regression on the features phi (width W < n):
// (PhiᵀPhi + mu I) beta = Phiᵀ y, mu = lambda ||Phi||_F^2 / n, which gives
// the same predictions as the dual with K = Phi Phiᵀ.
func (s *solver) primal(fm FeatureMap, res *Result) error {
	n, c, d := s.n(), s.y.Cols, s.x.Cols
	w := fm.Width(d)
	need := int64(8*n*w) + 3*int64(8*w*w)
	if err := checkMem(need, s.opt.MemLimit, fmt.Sprintf("random-feature ridge (%d×%d features)", n, w),
		"use fewer features"); err != nil {
		return err
	}
	phi, err := fm.Features(s.x)
	if err != nil {
		return err
	}
	nf := s.nFit
	normal := func(r0, r1 int) (a, b []float64, tr float64) {
		rows := phi.SliceRows(r0, r1)
		a = make([]float64, w*w)
		b = make([]float64, w*c)
		for _, v := range rows.Data {
			tr += v * v
		}
		if rows.Rows == 0 {
			return
		}
		g := blas64.General{Rows: rows.Rows, Cols: w, Stride: w, Data: rows.Data}
		blas64.Syrk(blas.Trans, 1, g, 0, blas64.Symmetric{Uplo: blas.Lower, N: w, Stride: w, Data: a})
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, g,
			blas64.General{Rows: rows.Rows, Cols: c, Stride: c, Data: s.y.Data[r0*c : r1*c]}, 0,
			blas64.General{Rows: w, Cols: c, Stride: c, Data: b})
		return
	}
	solve := func(a, b []float64, mu float64) ([]float64, error) {
		m := append([]float64(nil), a...)
		for i := 0; i < w; i++ {
			m[i*w+i] += mu
		}
		beta := append([]float64(nil), b...)
		if err := numeric.Cholesky(w, m, w); err != nil {
			return nil, err
		}
		return beta, numeric.CholSolve(w, m, w, c, beta)
	}
	aFit, bFit, trFit := normal(0, nf)
	for _, lam := range s.ridges() {
		g := GridPoint{Ridge: lam}
		beta, err := solve(aFit, bFit, lam*trFit/float64(nf))
		if err != nil {
			g.Failed = err.Error()
		} else {
			pred := NewMatrix(n-nf, c)
			gemmNN(phi.SliceRows(nf, n), Matrix{Rows: w, Cols: c, Data: beta}, pred)
			vl := s.valLoss(pred.Data)
			g.ValLoss, g.ValMSE, g.ValRel = vl.ValLoss, vl.ValMSE, vl.ValRel
		}
		res.Grid = append(res.Grid, g)
	}
	lam := s.opt.Ridge
	if len(res.Grid) > 0 {
		if lam, err = choose(res.Grid); err != nil {
			return err
		}
	}
	a, b, tr := aFit, bFit, trFit
	if nf < n {
		aV, bV, trV := normal(nf, n)
		for i := range a {
			a[i] += aV[i]
		}
		for i := range b {
			b[i] += bV[i]
		}
		tr += trV
	}
	res.Ridge = lam
	res.RidgeAbs = lam * tr / float64(n)
	beta, err := solve(a, b, res.RidgeAbs)
	if err != nil {
		return fmt.Errorf("ridge %g: %w; try a larger ridge", lam, err)
	}
	p := res.Predictor
	p.Form = FormPrimal
	p.Beta = Matrix{Rows: w, Cols: c, Data: beta}
	return nil
}

// toPrimal converts a dual feature-map model to the primal form.
func toPrimal(fm FeatureMap, p *Predictor) error {
	phi, err := fm.Features(p.Centers)
	if err != nil {
		return err
	}
	beta := NewMatrix(phi.Cols, p.Alpha.Cols)
	blas64.Gemm(blas.Trans, blas.NoTrans, 1,
		blas64.General{Rows: phi.Rows, Cols: phi.Cols, Stride: phi.Cols, Data: phi.Data},
		blas64.General{Rows: p.Alpha.Rows, Cols: p.Alpha.Cols, Stride: p.Alpha.Cols, Data: p.Alpha.Data},
		0, blas64.General{Rows: beta.Rows, Cols: beta.Cols, Stride: beta.Cols, Data: beta.Data})
	p.Form, p.Beta, p.Centers, p.Alpha = FormPrimal, beta, Matrix{}, Matrix{}
	return nil
}

// checkDiag rejects a Gram matrix whose diagonal is not finite (for a
// positive semi-definite kernel |k(x,y)| <= sqrt(k(x,x) k(y,y)), so a
// finite diagonal bounds every entry).
func checkDiag(k Kernel, diag []float64) error {
	for i, v := range diag {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("kernel %s: k(x, x) = %v at training row %d (overflow or not a kernel); rescale the inputs or lower the degree", k, v, i)
		}
	}
	return nil
}
