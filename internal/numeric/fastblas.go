//go:build !openblas

package numeric

import (
	"sync"

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
// runs them, small products in blocks that gonum runs without goroutines.

// minKernelGemm is the product size m·n·k below which the packed kernels
// are not used: packing both operands costs about as much as the product
// there. Much narrower shapes than a tile (the HNet's 3 columns or depth
// 3) are not either; 8 columns (the blocked Cholesky's triangular solves)
// still run faster on a padded tile than in gonum's loops.
const minKernelGemm = 1 << 15

// useKernel reports whether an m×n×k product goes to the packed kernels.
func useKernel(m, n, k int) bool {
	return m >= 4 && n >= 8 && k >= 4 && m*n*k >= minKernelGemm
}

// serialBlock is gonum's GEMM block size: a product whose C has at most
// this many rows and columns runs on the calling goroutine there, while a
// larger one spawns goroutines and allocates on every call (144
// allocations per training step of the HNet, most of its time).
const serialBlock = 64

// maxTiled bounds the products (m·n·k) that tiledGemm keeps on one
// goroutine; larger ones are worth gonum's parallel split.
const maxTiled = 1 << 18

// maxSmallTranspose bounds the transposed B that tiledGemm copies.
const maxSmallTranspose = 1 << 14

var smallPool sync.Pool // *[]float32 or *[]float64 for tiledGemm

// getSmall returns a buffer of n Ts from smallPool.
func getSmall[T float32 | float64](n int) *[]T {
	if v, ok := smallPool.Get().(*[]T); ok && cap(*v) >= n {
		*v = (*v)[:n]
		return v
	}
	s := make([]T, n, max(n, maxSmallTranspose))
	return &s
}

// tiledGemm runs the small product C = alpha op(A) op(B) + beta C on
// gemm (gonum's) in blocks of at most serialBlock×serialBlock of C, each
// on the calling goroutine. Arguments that do not fit their slices go to
// gemm whole, which panics with gonum's message.
func tiledGemm[T float32 | float64](gemm gemmFunc[T], tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	ta, tb := tA != blas.NoTrans, tB != blas.NoTrans
	ar, ac, br, bc := m, k, k, n
	if ta {
		ar, ac = k, m
	}
	if tb {
		br, bc = n, k
	}
	fits := func(rows, cols int, x []T, ld int) bool { return ld >= max(1, cols) && len(x) >= (rows-1)*ld+cols }
	if m*n*k > maxTiled || k == 0 || m == 0 || n == 0 ||
		!fits(ar, ac, a, lda) || !fits(br, bc, b, ldb) || !fits(m, n, c, ldc) {
		gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if tb && k*n <= maxSmallTranspose {
		// gonum's serial loops for a transposed B take a dot product
		// call per element of C (an m×3 C from k = 20: 30x slower than
		// the same product with B as it is): transpose the small B.
		buf := getSmall[T](k * n)
		defer smallPool.Put(buf)
		bt := *buf
		for j := 0; j < n; j++ {
			for p, v := range b[j*ldb : j*ldb+k] {
				bt[p*n+j] = v
			}
		}
		b, ldb, tB, tb = bt, n, blas.NoTrans, false
	}
	if m <= serialBlock && n <= serialBlock {
		gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	for i0 := 0; i0 < m; i0 += serialBlock {
		var ai []T
		if ta {
			ai = a[i0:]
		} else {
			ai = a[i0*lda:]
		}
		for j0 := 0; j0 < n; j0 += serialBlock {
			var bj []T
			if tb {
				bj = b[j0*ldb:]
			} else {
				bj = b[j0:]
			}
			gemm(tA, tB, min(serialBlock, m-i0), min(serialBlock, n-j0), k, alpha, ai, lda, bj, ldb, beta, c[i0*ldc+j0:], ldc)
		}
	}
}

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
	if !okA || !okB || m < 0 || n < 0 || k < 0 {
		f.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if !useKernel(m, n, k) || !dgemm.Available() {
		tiledGemm(f.Implementation.Dgemm, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	dgemm.Gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dsyrk computes the ul triangle of C = alpha op(A) op(A)ᵀ + beta C.
func (f fast64) Dsyrk(ul blas.Uplo, t blas.Transpose, n, k int, alpha float64, a []float64, lda int, beta float64, c []float64, ldc int) {
	tr, ok := transposed(t)
	if !ok || (ul != blas.Upper && ul != blas.Lower) || n < 0 || k < 0 || !useKernel(n, n, k) || !dgemm.Available() {
		f.Implementation.Dsyrk(ul, t, n, k, alpha, a, lda, beta, c, ldc)
		return
	}
	syrk(f.Dgemm, ul == blas.Lower, tr, n, k, alpha, a, lda, beta, c, ldc)
}

// Sgemm computes C = alpha op(A) op(B) + beta C.
func (f fast32) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, okA := transposed(tA)
	tb, okB := transposed(tB)
	if !okA || !okB || m < 0 || n < 0 || k < 0 {
		f.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if !useKernel(m, n, k) || !sgemm.Available() {
		if sgemm.Available() && !ta && n <= maxNarrow && m >= 16 && m <= maxNarrowRows && k > 0 && k*n <= maxSmallTranspose {
			narrowGemm32(tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
			return
		}
		tiledGemm(f.Implementation.Sgemm, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemm32(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Ssyrk computes the ul triangle of C = alpha op(A) op(A)ᵀ + beta C.
func (f fast32) Ssyrk(ul blas.Uplo, t blas.Transpose, n, k int, alpha float32, a []float32, lda int, beta float32, c []float32, ldc int) {
	tr, ok := transposed(t)
	if !ok || (ul != blas.Upper && ul != blas.Lower) || n < 0 || k < 0 || !useKernel(n, n, k) || !sgemm.Available() {
		f.Implementation.Ssyrk(ul, t, n, k, alpha, a, lda, beta, c, ldc)
		return
	}
	syrk(f.Sgemm, ul == blas.Lower, tr, n, k, alpha, a, lda, beta, c, ldc)
}

// maxNarrow is the widest C that narrowGemm32 computes, maxNarrowRows
// the tallest (its scratch block is 8 columns of C).
const (
	maxNarrow     = 32
	maxNarrowRows = 1 << 16
)

// narrowGemm32 computes C = alpha A op(B) + beta C for a C of at most
// maxNarrow columns (the HNet's products, 3 to 20 columns from a batch of
// 512 rows) on sgemm.Narrow, 8 columns at a time: op(B)'s columns copied
// into a zero-padded k×8 panel, the product into a scratch m×8 block, then
// scaled into C. The arguments must fit their slices (the caller's gonum
// fallback checks them otherwise).
func narrowGemm32(tb bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	const w = sgemm.NarrowWidth
	fits := func(rows, cols int, x []float32, ld int) bool {
		return ld >= max(1, cols) && len(x) >= (rows-1)*ld+cols
	}
	br, bc := k, n
	if tb {
		br, bc = n, k
	}
	if !fits(m, k, a, lda) || !fits(br, bc, b, ldb) || !fits(m, n, c, ldc) {
		tB := blas.NoTrans
		if tb {
			tB = blas.Trans
		}
		blas32Gonum.Sgemm(blas.NoTrans, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	pb, po := getSmall[float32](k*w), getSmall[float32](m*w)
	defer smallPool.Put(pb)
	defer smallPool.Put(po)
	panel, out := *pb, *po
	for j0 := 0; j0 < n; j0 += w {
		cols := min(w, n-j0)
		for p := 0; p < k; p++ {
			d := panel[p*w : p*w+w]
			for j := 0; j < cols; j++ {
				if tb {
					d[j] = b[(j0+j)*ldb+p]
				} else {
					d[j] = b[p*ldb+j0+j]
				}
			}
			clear(d[cols:])
		}
		sgemm.Narrow(m, k, a, lda, panel, out)
		for i := 0; i < m; i++ {
			row, o := c[i*ldc+j0:i*ldc+j0+cols], out[i*w:i*w+cols]
			if beta == 0 {
				for j, v := range o {
					row[j] = alpha * v
				}
				continue
			}
			for j, v := range o {
				row[j] = alpha*v + beta*row[j]
			}
		}
	}
}

// blas32Gonum is gonum's float32 BLAS (narrowGemm32's argument errors).
var blas32Gonum gonum.Implementation
