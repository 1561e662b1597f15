//go:build !openblas

package numeric

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// LAPACKName names the LAPACK implementation in use.
func LAPACKName() string { return "gonum (pure Go)" }

func cholesky(n int, a []float64, lda int) error {
	t := blas64.Symmetric{Uplo: blas.Lower, N: n, Stride: lda, Data: a}
	if _, ok := lapack64.Potrf(t); !ok {
		return cholError(-1)
	}
	return nil
}

func cholSolve(n int, a []float64, lda, nrhs int, b []float64) error {
	t := blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: n, Stride: lda, Data: a}
	lapack64.Potrs(t, blas64.General{Rows: n, Cols: nrhs, Stride: nrhs, Data: b})
	return nil
}

func symEig(n int, a, w []float64) error {
	s := blas64.Symmetric{Uplo: blas.Lower, N: n, Stride: n, Data: a}
	work := []float64{0}
	lapack64.Syev(lapack.EVCompute, s, w, work, -1)
	work = make([]float64, int(work[0]))
	if !lapack64.Syev(lapack.EVCompute, s, w, work, len(work)) {
		return fmt.Errorf("numeric: dsyev did not converge")
	}
	return nil
}
