package kernel

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/hierlearn/hierlearn/internal/numeric"
)

// cg solves (K + mu I) alpha = y by conjugate gradients with the Gram
// matrix stored once in float32 (half the memory of exact KRR, which is
// what lets n = 50k fit in 24 GB), preconditioned by the Nystrom
// approximation with m landmarks:
//
//	P = K_nm K_mm^-1 K_mn + mu I,
//	P^-1 v = (v - K_nm (mu K_mm + K_mn K_nm)^-1 K_mn v) / mu   (Woodbury).
//
// Vectors and the preconditioner are float64; only the Gram matrix is
// rounded to float32, which perturbs K by about 1e-7 relative.
func (s *solver) cg(res *Result) error {
	n, c, nf := s.n(), s.y.Cols, s.nFit
	m := min(s.opt.Landmarks, n)
	need := 4*int64(n)*int64(n) + 8*(int64(n)*int64(m)+3*int64(m)*int64(m)+int64(streamBlock)*int64(n)+6*int64(n)*int64(c))
	if err := checkMem(need, s.opt.MemLimit, fmt.Sprintf("CG KRR (float32 %d×%d Gram + %d-landmark preconditioner)", n, n, m),
		"use --method nystrom:M"); err != nil {
		return err
	}
	// The Gram, block by block, rounded to float32.
	K := make([]float32, n*n)
	buf := make([]float64, streamBlock*n)
	diag := make([]float64, n)
	for r0 := 0; r0 < n; r0 += streamBlock {
		r1 := min(r0+streamBlock, n)
		blk := buf[:(r1-r0)*n]
		if err := s.k.Gram(s.x.SliceRows(r0, r1), s.x, blk); err != nil {
			return err
		}
		for i, v := range blk {
			K[r0*n+i] = float32(v)
		}
		for i := r0; i < r1; i++ {
			diag[i] = blk[(i-r0)*n+i]
		}
	}
	buf = nil
	if err := checkDiag(s.k, diag); err != nil {
		return err
	}
	idx, _ := s.landmarks(m)
	var err error
	solveAll := func(nn int, mu float64, alpha []float64) (int, error) {
		pre, err := newNystromPre(K, n, nn, idx, mu)
		if err != nil {
			return 0, err
		}
		iters := 0
		for col := 0; col < c; col++ {
			b := make([]float64, nn)
			x := make([]float64, nn)
			for i := 0; i < nn; i++ {
				b[i] = s.y.Data[i*c+col]
				x[i] = alpha[i*c+col]
			}
			it, err := pcg(K, n, nn, mu, b, x, pre, s.opt.CGTol, s.opt.CGMaxIter)
			iters = max(iters, it)
			if err != nil {
				return iters, err
			}
			for i := 0; i < nn; i++ {
				alpha[i*c+col] = x[i]
			}
		}
		return iters, nil
	}
	trace := func(m int) float64 {
		t := 0.0
		for _, v := range diag[:m] {
			t += v
		}
		return t
	}
	alpha := make([]float64, n*c) // warm start across the grid
	for _, lam := range s.ridges() {
		g := GridPoint{Ridge: lam}
		if _, err := solveAll(nf, lam*trace(nf)/float64(nf), alpha); err != nil {
			g.Failed = err.Error()
		} else {
			nv := n - nf
			pred := make([]float64, nv*c)
			for col := 0; col < c; col++ {
				a := make([]float32, nf)
				for i := range a {
					a[i] = float32(alpha[i*c+col])
				}
				out := make([]float32, nv)
				blas32.Gemv(blas.NoTrans, 1, blas32.General{Rows: nv, Cols: nf, Stride: n, Data: K[nf*n:]},
					blas32.Vector{N: nf, Inc: 1, Data: a}, 0, blas32.Vector{N: nv, Inc: 1, Data: out})
				for i, v := range out {
					pred[i*c+col] = float64(v)
				}
			}
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
	if nf < n {
		clear(alpha[nf*c:])
	}
	if res.Iterations, err = solveAll(n, res.RidgeAbs, alpha); err != nil {
		return fmt.Errorf("ridge %g: %w", lam, err)
	}
	p := res.Predictor
	p.Form = FormDual
	p.Centers = s.x
	p.Alpha = Matrix{Rows: n, Cols: c, Data: alpha}
	return nil
}

// nystromPre applies the Nystrom preconditioner's inverse.
type nystromPre struct {
	nn, m int
	knm   []float64 // nn×m
	chol  []float64 // Cholesky factor of mu K_mm + K_mn K_nm
	mu    float64
	tmp   []float64
}

func newNystromPre(K []float32, ld, nn int, idx []int, mu float64) (*nystromPre, error) {
	// Landmarks among the leading nn rows only.
	var cols []int
	for _, i := range idx {
		if i < nn {
			cols = append(cols, i)
		}
	}
	m := len(cols)
	p := &nystromPre{nn: nn, m: m, mu: mu, knm: make([]float64, nn*m), tmp: make([]float64, m)}
	for i := 0; i < nn; i++ {
		row := K[i*ld:]
		for j, col := range cols {
			p.knm[i*m+j] = float64(row[col])
		}
	}
	if m == 0 {
		return p, nil
	}
	kmm := make([]float64, m*m)
	for a, ia := range cols {
		copy(kmm[a*m:(a+1)*m], p.knm[ia*m:(ia+1)*m])
	}
	inner := make([]float64, m*m)
	blas64.Syrk(blas.Trans, 1, blas64.General{Rows: nn, Cols: m, Stride: m, Data: p.knm},
		0, blas64.Symmetric{Uplo: blas.Lower, N: m, Stride: m, Data: inner})
	tr := 0.0
	for i := 0; i < m; i++ {
		tr += inner[i*m+i] + mu*kmm[i*m+i]
	}
	for _, jit := range []float64{1e-12, 1e-10, 1e-8, 1e-6} {
		ch := make([]float64, m*m)
		for i := 0; i < m; i++ {
			for j := 0; j <= i; j++ {
				ch[i*m+j] = inner[i*m+j] + mu*kmm[i*m+j]
			}
			ch[i*m+i] += jit * tr / float64(m)
		}
		if numeric.Cholesky(m, ch, m) == nil {
			p.chol = ch
			return p, nil
		}
	}
	return nil, fmt.Errorf("preconditioner: %w", numeric.ErrNotPositiveDefinite)
}

// apply writes P^-1 v into out.
func (p *nystromPre) apply(v, out []float64) {
	if p.m == 0 {
		for i := range v {
			out[i] = v[i] / p.mu
		}
		return
	}
	knm := blas64.General{Rows: p.nn, Cols: p.m, Stride: p.m, Data: p.knm}
	blas64.Gemv(blas.Trans, 1, knm, blas64.Vector{N: p.nn, Inc: 1, Data: v}, 0, blas64.Vector{N: p.m, Inc: 1, Data: p.tmp})
	_ = numeric.CholSolve(p.m, p.chol, p.m, 1, p.tmp)
	copy(out, v)
	blas64.Gemv(blas.NoTrans, -1, knm, blas64.Vector{N: p.m, Inc: 1, Data: p.tmp}, 1, blas64.Vector{N: p.nn, Inc: 1, Data: out})
	for i := range out {
		out[i] /= p.mu
	}
}

// pcg solves (K[:nn,:nn] + mu I) x = b from the start x; K is float32 with
// row stride ld. It returns the iterations used.
func pcg(K []float32, ld, nn int, mu float64, b, x []float64, pre *nystromPre, tol float64, maxIter int) (int, error) {
	x32 := make([]float32, nn)
	y32 := make([]float32, nn)
	matvec := func(v, out []float64) {
		for i, f := range v {
			x32[i] = float32(f)
		}
		blas32.Gemv(blas.NoTrans, 1, blas32.General{Rows: nn, Cols: nn, Stride: ld, Data: K},
			blas32.Vector{N: nn, Inc: 1, Data: x32}, 0, blas32.Vector{N: nn, Inc: 1, Data: y32})
		for i := range out {
			out[i] = float64(y32[i]) + mu*v[i]
		}
	}
	r := make([]float64, nn)
	matvec(x, r)
	for i := range r {
		r[i] = b[i] - r[i]
	}
	bnorm := math.Sqrt(dot(b, b))
	if bnorm == 0 {
		clear(x)
		return 0, nil
	}
	z := make([]float64, nn)
	pre.apply(r, z)
	p := append([]float64(nil), z...)
	q := make([]float64, nn)
	rz := dot(r, z)
	for it := 1; it <= maxIter; it++ {
		if math.Sqrt(dot(r, r)) <= tol*bnorm {
			return it - 1, nil
		}
		matvec(p, q)
		a := rz / dot(p, q)
		for i := range x {
			x[i] += a * p[i]
			r[i] -= a * q[i]
		}
		pre.apply(r, z)
		rzNew := dot(r, z)
		beta := rzNew / rz
		rz = rzNew
		for i := range p {
			p[i] = z[i] + beta*p[i]
		}
	}
	if res := math.Sqrt(dot(r, r)) / bnorm; res > tol {
		return maxIter, fmt.Errorf("CG did not reach relative residual %g in %d iterations (at %.2g)", tol, maxIter, res)
	}
	return maxIter, nil
}
