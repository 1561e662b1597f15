//go:build !openblas

package numeric

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/hierlearn/hierlearn/internal/numeric/dgemm"
	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
)

// Without OpenBLAS, blas64 and blas32 route to gonum's pure-Go BLAS with
// the level-3 routines that carry the flops replaced where the CPU has the
// Go-assembly kernels (the avx512 or avx2 path): Dgemm by dgemm.Gemm,
// Sgemm by sgemm's packed kernels, Dsyrk and Ssyrk by blocks of those. On
// the generic path, and for products too small to pay for packing, gonum
// runs them.

// smallGemm is the product size m·n·k below which gonum's unpacked loops
// are used: packing both operands costs about as much as the product
// there.
const smallGemm = 4096

// fast64 is gonum's float64 BLAS with Dgemm and Dsyrk on dgemm.
type fast64 struct{ gonum.Implementation }

// fast32 is gonum's float32 BLAS with Sgemm and Ssyrk on sgemm.
type fast32 struct{ gonum.Implementation }

// transposed reports whether t transposes (Trans or ConjTrans, the same
// for real matrices) and whether t is a valid value.
func transposed(t blas.Transpose) (tr, ok bool) {
	switch t {
	case blas.NoTrans:
		return false, true
	case blas.Trans, blas.ConjTrans:
		return true, true
	}
	return false, false
}

// Dgemm computes C = alpha op(A) op(B) + beta C.
func (f fast64) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	ta, okA := transposed(tA)
	tb, okB := transposed(tB)
	if !okA || !okB || m < 0 || n < 0 || k < 0 || m*n*k < smallGemm || !dgemm.Available() {
		f.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	dgemm.Gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dsyrk computes the ul triangle of C = alpha op(A) op(A)ᵀ + beta C.
func (f fast64) Dsyrk(ul blas.Uplo, t blas.Transpose, n, k int, alpha float64, a []float64, lda int, beta float64, c []float64, ldc int) {
	tr, ok := transposed(t)
	if !ok || (ul != blas.Upper && ul != blas.Lower) || n < 0 || k < 0 || n*n*k < 8*smallGemm || !dgemm.Available() {
		f.Implementation.Dsyrk(ul, t, n, k, alpha, a, lda, beta, c, ldc)
		return
	}
	syrk(f.Dgemm, ul == blas.Lower, tr, n, k, alpha, a, lda, beta, c, ldc)
}

// Sgemm computes C = alpha op(A) op(B) + beta C.
func (f fast32) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, okA := transposed(tA)
	tb, okB := transposed(tB)
	if !okA || !okB || m < 0 || n < 0 || k < 0 || m*n*k < smallGemm || !sgemm.Available() {
		f.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemm32(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Ssyrk computes the ul triangle of C = alpha op(A) op(A)ᵀ + beta C.
func (f fast32) Ssyrk(ul blas.Uplo, t blas.Transpose, n, k int, alpha float32, a []float32, lda int, beta float32, c []float32, ldc int) {
	tr, ok := transposed(t)
	if !ok || (ul != blas.Upper && ul != blas.Lower) || n < 0 || k < 0 || n*n*k < 8*smallGemm || !sgemm.Available() {
		f.Implementation.Ssyrk(ul, t, n, k, alpha, a, lda, beta, c, ldc)
		return
	}
	syrk(f.Sgemm, ul == blas.Lower, tr, n, k, alpha, a, lda, beta, c, ldc)
}
