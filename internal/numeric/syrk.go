package numeric

import "gonum.org/v1/gonum/blas"

// gemmFunc is a BLAS Dgemm or Sgemm.
type gemmFunc[T float32 | float64] func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// syrkBlock is the height of syrk's block rows.
const syrkBlock = 192

// syrk computes the lower (or upper) triangle of C = alpha op(A) op(A)ᵀ +
// beta C (op(A) n×k: A itself, or Aᵀ if trans) on gemm: per block row of
// C, the part off the diagonal block in one product, the diagonal block
// through a temporary of which only the triangle is added. The other
// triangle is neither read nor written.
func syrk[T float32 | float64](gemm gemmFunc[T], lower, trans bool, n, k int, alpha T, a []T, lda int, beta T, c []T, ldc int) {
	tN, tT := blas.NoTrans, blas.Trans
	if trans {
		tN, tT = blas.Trans, blas.NoTrans
	}
	// rows returns op(A)'s rows [i0, n) as gemm's A operand.
	rows := func(i0 int) []T {
		if trans {
			return a[i0:]
		}
		return a[i0*lda:]
	}
	tmp := make([]T, syrkBlock*syrkBlock)
	for i0 := 0; i0 < n; i0 += syrkBlock {
		i1 := min(n, i0+syrkBlock)
		ib := i1 - i0
		if lower && i0 > 0 {
			gemm(tN, tT, ib, i0, k, alpha, rows(i0), lda, rows(0), lda, beta, c[i0*ldc:], ldc)
		}
		if !lower && i1 < n {
			gemm(tN, tT, ib, n-i1, k, alpha, rows(i0), lda, rows(i1), lda, beta, c[i0*ldc+i1:], ldc)
		}
		gemm(tN, tT, ib, ib, k, alpha, rows(i0), lda, rows(i0), lda, 0, tmp, ib)
		for i := 0; i < ib; i++ {
			j0, j1 := 0, i+1
			if !lower {
				j0, j1 = i, ib
			}
			row, t := c[(i0+i)*ldc+i0:], tmp[i*ib:]
			for j := j0; j < j1; j++ {
				if beta == 0 {
					row[j] = t[j]
				} else {
					row[j] = beta*row[j] + t[j]
				}
			}
		}
	}
}
