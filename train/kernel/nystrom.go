package kernel

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/hierlearn/hierlearn/internal/numeric"
)

// streamBlock is the number of rows of a streamed Gram block.
const streamBlock = 2048

// landmarks draws m distinct training rows (seeded) and returns their
// indices and the matrix of those points.
func (s *solver) landmarks(m int) ([]int, Matrix) {
	rng := rand.New(rand.NewPCG(s.opt.Seed, 0x6c616e646d61726b))
	idx := rng.Perm(s.n())[:m]
	z := NewMatrix(m, s.x.Cols)
	for r, i := range idx {
		copy(z.Row(r), s.x.Row(i))
	}
	return idx, z
}

// diagonal returns k(x_i, x_i) for every row.
func diagonal(k Kernel, x Matrix) ([]float64, error) {
	const b = 64
	out := make([]float64, x.Rows)
	buf := make([]float64, b*b)
	for r0 := 0; r0 < x.Rows; r0 += b {
		r1 := min(r0+b, x.Rows)
		blk := x.SliceRows(r0, r1)
		if err := k.Gram(blk, blk, buf[:(r1-r0)*(r1-r0)]); err != nil {
			return nil, err
		}
		for i := 0; i < r1-r0; i++ {
			out[r0+i] = buf[i*(r1-r0)+i]
		}
	}
	return out, nil
}

// nystrom fits the Nystrom approximation with m landmarks Z (subset of
// regressors): minimise ||K_nm beta - y||^2 + mu betaᵀ K_mm beta, i.e.
// (K_mn K_nm + mu K_mm) beta = K_mn y. K_mn K_nm and K_mn y are
// accumulated over streamed row blocks, so memory is O(m^2 + m·n_val),
// never n^2.
func (s *solver) nystrom(res *Result) error {
	n, c, nf := s.n(), s.y.Cols, s.nFit
	m := min(s.opt.Landmarks, n)
	need := int64(8) * (4*int64(m)*int64(m) + int64(n-nf+streamBlock)*int64(m) + int64(n)*int64(c))
	if err := checkMem(need, s.opt.MemLimit, fmt.Sprintf("Nystrom KRR with %d landmarks", m),
		"use fewer landmarks"); err != nil {
		return err
	}
	_, z := s.landmarks(m)
	kmm := make([]float64, m*m)
	if err := SymGram(s.k, z, kmm); err != nil {
		return err
	}
	diag, err := diagonal(s.k, s.x)
	if err != nil {
		return err
	}
	if err := checkDiag(s.k, diag); err != nil {
		return err
	}
	aFit, aVal := make([]float64, m*m), make([]float64, m*m)
	bFit, bVal := make([]float64, m*c), make([]float64, m*c)
	cVal := make([]float64, (n-nf)*m)
	buf := make([]float64, streamBlock*m)
	accumulate := func(r0, r1 int, a, b, dst []float64) error {
		cb := buf[:(r1-r0)*m]
		if dst != nil {
			cb = dst
		}
		if err := s.k.Gram(s.x.SliceRows(r0, r1), z, cb); err != nil {
			return err
		}
		g := blas64.General{Rows: r1 - r0, Cols: m, Stride: m, Data: cb}
		blas64.Syrk(blas.Trans, 1, g, 1, blas64.Symmetric{Uplo: blas.Lower, N: m, Stride: m, Data: a})
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, g,
			blas64.General{Rows: r1 - r0, Cols: c, Stride: c, Data: s.y.Data[r0*c : r1*c]}, 1,
			blas64.General{Rows: m, Cols: c, Stride: c, Data: b})
		return nil
	}
	for r0 := 0; r0 < nf; r0 += streamBlock {
		if err := accumulate(r0, min(r0+streamBlock, nf), aFit, bFit, nil); err != nil {
			return err
		}
	}
	for r0 := nf; r0 < n; r0 += streamBlock {
		r1 := min(r0+streamBlock, n)
		if err := accumulate(r0, r1, aVal, bVal, cVal[(r0-nf)*m:(r1-nf)*m]); err != nil {
			return err
		}
	}
	trace := func(r0, r1 int) float64 {
		t := 0.0
		for _, v := range diag[r0:r1] {
			t += v
		}
		return t
	}
	solve := func(a, b []float64, mu float64) ([]float64, error) {
		return solveJitter(m, a, kmm, mu, b, c)
	}
	for _, lam := range s.ridges() {
		g := GridPoint{Ridge: lam}
		beta, err := solve(aFit, bFit, lam*trace(0, nf)/float64(nf))
		if err != nil {
			g.Failed = err.Error()
		} else {
			pred := NewMatrix(n-nf, c)
			gemmNN(Matrix{Rows: n - nf, Cols: m, Data: cVal}, Matrix{Rows: m, Cols: c, Data: beta}, pred)
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
	for i := range aFit {
		aFit[i] += aVal[i]
	}
	for i := range bFit {
		bFit[i] += bVal[i]
	}
	res.Ridge = lam
	res.RidgeAbs = lam * trace(0, n) / float64(n)
	beta, err := solve(aFit, bFit, res.RidgeAbs)
	if err != nil {
		return fmt.Errorf("ridge %g: %w", lam, err)
	}
	p := res.Predictor
	p.Form = FormDual
	p.Centers = z
	p.Alpha = Matrix{Rows: m, Cols: c, Data: beta}
	return nil
}

// solveJitter solves (A + mu B) x = b for symmetric A, B (lower
// triangles read), adding a growing multiple of the identity when the
// matrix is numerically singular.
func solveJitter(m int, a, bmat []float64, mu float64, rhs []float64, c int) ([]float64, error) {
	tr := 0.0
	for i := 0; i < m; i++ {
		tr += a[i*m+i] + mu*bmat[i*m+i]
	}
	var err error
	for _, jit := range []float64{0, 1e-12, 1e-10, 1e-8} {
		mat := make([]float64, m*m)
		for i := 0; i < m; i++ {
			for j := 0; j <= i; j++ {
				mat[i*m+j] = a[i*m+j] + mu*bmat[i*m+j]
			}
			mat[i*m+i] += jit * tr / float64(m)
		}
		if err = numeric.Cholesky(m, mat, m); err != nil {
			continue
		}
		x := append([]float64(nil), rhs...)
		return x, numeric.CholSolve(m, mat, m, c, x)
	}
	return nil, err
}
