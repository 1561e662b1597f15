package numeric

import (
	"errors"
	"fmt"
)

// ErrNotPositiveDefinite is wrapped by Cholesky's error when the matrix is
// not (numerically) positive definite.
var ErrNotPositiveDefinite = errors.New("numeric: matrix is not positive definite")

func cholError(info int) error {
	if info > 0 {
		return fmt.Errorf("%w (leading minor of order %d)", ErrNotPositiveDefinite, info)
	}
	return ErrNotPositiveDefinite
}

// Cholesky factorises the symmetric positive definite n×n matrix a
// (row-major with row stride lda >= n, only its lower triangle read; a may
// be the leading block of a larger matrix) in place: on return the lower
// triangle holds L with A = L Lᵀ. The strict upper triangle is neither read
// nor written, so a caller can keep A there and restore it with
// RestoreLower. A matrix that is not positive definite gives an error
// wrapping ErrNotPositiveDefinite.
func Cholesky(n int, a []float64, lda int) error {
	if n == 0 {
		return nil
	}
	if lda < n || len(a) < (n-1)*lda+n {
		panic(fmt.Sprintf("numeric: Cholesky: len(a) = %d, lda = %d for n = %d", len(a), lda, n))
	}
	return cholesky(n, a, lda)
}

// CholSolve solves A X = B in place for B (n×nrhs, row-major, contiguous)
// given the factor that Cholesky left in the lower triangle of a (row
// stride lda).
func CholSolve(n int, a []float64, lda, nrhs int, b []float64) error {
	if n == 0 || nrhs == 0 {
		return nil
	}
	if lda < n || len(a) < (n-1)*lda+n || len(b) < n*nrhs {
		panic(fmt.Sprintf("numeric: CholSolve: len(a) = %d, lda = %d, len(b) = %d for n = %d, nrhs = %d", len(a), lda, len(b), n, nrhs))
	}
	return cholSolve(n, a, lda, nrhs, b)
}

// Cholesky32 is Cholesky in float32 (LAPACK spotrf; about twice as fast
// as float64 with OpenBLAS), used as a preconditioner for float64 solves.
func Cholesky32(n int, a []float32, lda int) error {
	if n == 0 {
		return nil
	}
	if lda < n || len(a) < (n-1)*lda+n {
		panic(fmt.Sprintf("numeric: Cholesky32: len(a) = %d, lda = %d for n = %d", len(a), lda, n))
	}
	return cholesky32(n, a, lda)
}

// CholSolve32 is CholSolve in float32, with the factor of Cholesky32.
func CholSolve32(n int, a []float32, lda, nrhs int, b []float32) error {
	if n == 0 || nrhs == 0 {
		return nil
	}
	if lda < n || len(a) < (n-1)*lda+n || len(b) < n*nrhs {
		panic(fmt.Sprintf("numeric: CholSolve32: len(a) = %d, lda = %d, len(b) = %d for n = %d, nrhs = %d", len(a), lda, len(b), n, nrhs))
	}
	return cholSolve32(n, a, lda, nrhs, b)
}

// SymEig computes all eigenvalues (ascending, into w, length n) and
// eigenvectors of the symmetric n×n matrix a (row-major, lower triangle
// read). On return column j of a holds the unit eigenvector of w[j].
func SymEig(n int, a, w []float64) error {
	if n == 0 {
		return nil
	}
	if len(a) < n*n || len(w) < n {
		panic(fmt.Sprintf("numeric: SymEig: len(a) = %d, len(w) = %d for n = %d", len(a), len(w), n))
	}
	return symEig(n, a, w)
}

// RestoreLower copies the strict upper triangle of the row-major n×n
// matrix a (row stride lda) into its strict lower triangle and sets the diagonal to diag,
// undoing Cholesky on a matrix whose upper triangle still holds A.
func RestoreLower(n int, a []float64, lda int, diag []float64) {
	const tile = 64 // blocked, so that the column reads stay in cache
	for i0 := 0; i0 < n; i0 += tile {
		i1 := min(i0+tile, n)
		for j0 := 0; j0 <= i0; j0 += tile {
			j1 := min(j0+tile, n)
			for i := i0; i < i1; i++ {
				for j := j0; j < min(j1, i); j++ {
					a[i*lda+j] = a[j*lda+i]
				}
			}
		}
	}
	for i := 0; i < n; i++ {
		a[i*lda+i] = diag[i]
	}
}

func transpose(rows, cols int, src, dst []float64) {
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			dst[j*rows+i] = src[i*cols+j]
		}
	}
}

func transpose32(rows, cols int, src, dst []float32) {
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			dst[j*rows+i] = src[i*cols+j]
		}
	}
}

func transposeSquare(n int, a []float64) {
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			a[i*n+j], a[j*n+i] = a[j*n+i], a[i*n+j]
		}
	}
}
