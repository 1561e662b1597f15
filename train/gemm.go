package train

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"

	_ "github.com/hierlearn/hierlearn/internal/numeric" // BLAS switch (OpenBLAS under the openblas tag)
)

// Float is the element type of a training engine: float32 or float64.
type Float interface{ float32 | float64 }

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// gemm computes c = alpha op(a) op(b) + beta c on row-major matrices
// (op(a) is m x k, op(b) is k x n, c is m x n with leading dimension ldc),
// through whichever BLAS blas64/blas32 route to.
func gemm[T Float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	switch a := any(a).(type) {
	case []float64:
		blas64.Implementation().Dgemm(trans(tA), trans(tB), m, n, k, float64(alpha), a, lda,
			any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	case []float32:
		blas32.Implementation().Sgemm(trans(tA), trans(tB), m, n, k, float32(alpha), a, lda,
			any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	}
}

func convert[T, U Float](dst []T, src []U) []T {
	if dst == nil {
		dst = make([]T, len(src))
	}
	for i, v := range src {
		dst[i] = T(v)
	}
	return dst
}
