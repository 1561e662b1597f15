//go:build !openblas

package numeric

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/hierlearn/hierlearn/internal/numeric/dgemm"
	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
)

// LAPACKName names the LAPACK implementation in use.
func LAPACKName() string {
	if dgemm.Available() {
		return "gonum (pure Go) with a blocked Cholesky on the Go-assembly GEMM"
	}
	return "gonum (pure Go)"
}

// FastCholesky32 reports whether Cholesky32 runs at about twice the
// float64 rate (here: on sgemm's kernels, the avx512 or avx2 path), which
// makes it worth using as a preconditioner for float64 solves.
func FastCholesky32() bool { return sgemm.Available() }

func cholesky(n int, a []float64, lda int) error {
	if dgemm.Available() {
		return blockedCholesky(fast64{}.Dgemm, n, a, lda)
	}
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

// gonum has no float32 LAPACK: on the avx512 and avx2 paths the float32
// factorisation is blockedCholesky on sgemm's kernels and the solve
// gonum's float32 triangular solves; on the generic path both go through
// float64 and are rounded back, so they are correct but not faster.
func cholesky32(n int, a []float32, lda int) error {
	if sgemm.Available() {
		return blockedCholesky(fast32{}.Sgemm, n, a, lda)
	}
	a64 := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			a64[i*n+j] = float64(a[i*lda+j])
		}
	}
	if err := cholesky(n, a64, n); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			a[i*lda+j] = float32(a64[i*n+j])
		}
	}
	return nil
}

func cholSolve32(n int, a []float32, lda, nrhs int, b []float32) error {
	if sgemm.Available() {
		t := blas32.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: n, Stride: lda, Data: a}
		if nrhs == 1 {
			x := blas32.Vector{N: n, Inc: 1, Data: b}
			blas32.Trsv(blas.NoTrans, t, x)
			blas32.Trsv(blas.Trans, t, x)
			return nil
		}
		x := blas32.General{Rows: n, Cols: nrhs, Stride: nrhs, Data: b}
		blas32.Trsm(blas.Left, blas.NoTrans, 1, t, x)
		blas32.Trsm(blas.Left, blas.Trans, 1, t, x)
		return nil
	}
	a64 := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			a64[i*n+j] = float64(a[i*lda+j])
		}
	}
	b64 := make([]float64, n*nrhs)
	for i, v := range b[:n*nrhs] {
		b64[i] = float64(v)
	}
	if err := cholSolve(n, a64, n, nrhs, b64); err != nil {
		return err
	}
	for i, v := range b64 {
		b[i] = float32(v)
	}
	return nil
}
