package kernel

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/hierlearn/hierlearn/internal/numeric"
)

// Mixed-precision exact solve. With OpenBLAS (spotrf) or the pure-Go
// build's Go-assembly kernels (numeric.FastCholesky32), a float32
// Cholesky runs at about twice the float64 rate; used as the preconditioner of
// conjugate gradients on the float64 system, it gives the float64
// solution in a few iterations whenever cond(K + mu I) * 6e-8 is well
// below 1, each iteration one float64 matrix-vector product. When the
// float32 factorisation fails or CG does not reach mixedAccept, the
// caller falls back to the float64 Cholesky.
const (
	mixedTol     = 1e-12 // target relative residual per column
	mixedAccept  = 1e-10 // accepted relative residual (true residual, recomputed)
	mixedMaxIter = 100
)

var errMixed = errors.New("mixed precision did not converge")

// solveMixed solves (K[:m,:m] + mu I) X = B for X (m×c), K float64 with
// row stride ld, its lower triangle read; f is scratch of at least m*m
// float32s. It returns the iterations used.
func solveMixed(K []float64, ld, m int, mu float64, b []float64, c int, f []float32) ([]float64, int, error) {
	f = f[:m*m]
	parallelRows(m, func(i int) {
		row, fr := K[i*ld:i*ld+i+1], f[i*m:i*m+i+1]
		for j, v := range row {
			fr[j] = float32(v)
		}
		fr[i] = float32(row[i] + mu)
	})
	if err := numeric.Cholesky32(m, f, m); err != nil {
		return nil, 0, fmt.Errorf("float32 Cholesky: %w", err)
	}
	k := blas64.Symmetric{Uplo: blas.Lower, N: m, Stride: ld, Data: K}
	// apply writes (K + mu I) v into out.
	apply := func(v, out []float64) {
		if c == 1 {
			blas64.Symv(1, k, blas64.Vector{N: m, Inc: 1, Data: v}, 0, blas64.Vector{N: m, Inc: 1, Data: out})
		} else {
			blas64.Symm(blas.Left, 1, k, blas64.General{Rows: m, Cols: c, Stride: c, Data: v},
				0, blas64.General{Rows: m, Cols: c, Stride: c, Data: out})
		}
		for i := range out {
			out[i] += mu * v[i]
		}
	}
	r32 := make([]float32, m*c)
	precond := func(r, z []float64) error {
		for i, v := range r {
			r32[i] = float32(v)
		}
		if err := numeric.CholSolve32(m, f, m, c, r32); err != nil {
			return err
		}
		for i, v := range r32 {
			z[i] = float64(v)
		}
		return nil
	}
	colDot := func(a, b []float64, out []float64) {
		clear(out)
		for i, v := range a {
			out[i%c] += v * b[i]
		}
	}
	x := make([]float64, m*c)
	r := append([]float64(nil), b[:m*c]...)
	z := make([]float64, m*c)
	q := make([]float64, m*c)
	bn, rr := make([]float64, c), make([]float64, c)
	colDot(b[:m*c], b[:m*c], bn)
	if err := precond(r, z); err != nil {
		return nil, 0, err
	}
	p := append([]float64(nil), z...)
	rz, rzNew, pq := make([]float64, c), make([]float64, c), make([]float64, c)
	colDot(r, z, rz)
	done := make([]bool, c)
	worst := func() float64 {
		colDot(r, r, rr)
		w := 0.0
		for j := range rr {
			if bn[j] > 0 {
				rel := math.Sqrt(rr[j] / bn[j])
				done[j] = done[j] || rel <= mixedTol
				w = math.Max(w, rel)
			} else {
				done[j] = true
			}
		}
		return w
	}
	it := 0
	best, sinceBest := math.Inf(1), 0
	for ; it < mixedMaxIter; it++ {
		w := worst()
		if w <= mixedTol {
			break
		}
		if w < 0.5*best {
			best, sinceBest = w, 0
		} else if sinceBest++; sinceBest > 10 {
			break // stagnated
		}
		apply(p, q)
		colDot(p, q, pq)
		for i := range x {
			j := i % c
			if done[j] || pq[j] == 0 {
				continue
			}
			a := rz[j] / pq[j]
			x[i] += a * p[i]
			r[i] -= a * q[i]
		}
		if err := precond(r, z); err != nil {
			return nil, it, err
		}
		colDot(r, z, rzNew)
		for i := range p {
			j := i % c
			if done[j] || rz[j] == 0 {
				continue
			}
			p[i] = z[i] + rzNew[j]/rz[j]*p[i]
		}
		copy(rz, rzNew)
	}
	// The recurrence's residual can drift: check the true one.
	apply(x, q)
	for i := range r {
		r[i] = b[i] - q[i]
	}
	if w := worst(); w > mixedAccept {
		return nil, it, fmt.Errorf("%w: relative residual %.2g after %d iterations", errMixed, w, it)
	}
	return x, it, nil
}
