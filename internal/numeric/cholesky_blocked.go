package numeric

import (
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
)

// Blocked Cholesky on a fast GEMM (the pure-Go build's Go-assembly
// kernels): LAPACK's left-looking dpotrf, row-major and lower. Column
// panel j (cholBlock wide) is first updated by the panels to its left,
// L[j:, :j] L[j, :j]ᵀ, in one GEMM (almost all of the n³/3 flops), its
// diagonal block is factored unblocked, and the rows below are solved
// against that block by trsmRLT, itself recursive onto GEMM.

// cholBlock is the width of blockedCholesky's column panels: wide, so
// that packing the rows to the left (once per panel) costs little next to
// the product; the diagonal block is factored the same way with panels of
// cholInner, then unblocked.
const (
	cholBlock = 384
	cholInner = 64
)

// trsmBase is the width at which trsmRLT stops recursing.
const trsmBase = 8

// blockedCholesky factors the n×n matrix a (row stride lda, lower
// triangle read) in place as Cholesky does, with gemm for the bulk of the
// work. The strict upper triangle is neither read nor written.
func blockedCholesky[T float32 | float64](gemm gemmFunc[T], n int, a []T, lda int) error {
	if info := cholPanels(gemm, n, a, lda, cholBlock); info > 0 {
		return cholError(info)
	}
	return nil
}

// cholPanels is blockedCholesky with panels nb wide; it returns 0 or the
// order of the first leading minor that is not positive definite.
func cholPanels[T float32 | float64](gemm gemmFunc[T], n int, a []T, lda, nb int) int {
	nb = min(nb, n)
	tmp := make([]T, nb*nb)
	for j := 0; j < n; j += nb {
		jb := min(nb, n-j)
		d := a[j*lda+j:]
		if j > 0 {
			// The diagonal block's update, through tmp: only its lower
			// triangle may be written.
			syrk(gemm, true, false, jb, j, 1, a[j*lda:], lda, 0, tmp, jb)
			for i := 0; i < jb; i++ {
				row, t := d[i*lda:i*lda+i+1], tmp[i*jb:i*jb+i+1]
				for l, v := range t {
					row[l] -= v
				}
			}
		}
		info := 0
		if jb > cholInner {
			info = cholPanels(gemm, jb, d, lda, cholInner)
		} else {
			info = potf2(jb, d, lda)
		}
		if info > 0 {
			return j + info
		}
		if m := n - j - jb; m > 0 {
			below := a[(j+jb)*lda+j:]
			if j > 0 {
				gemm(blas.NoTrans, blas.Trans, m, jb, j, -1, a[(j+jb)*lda:], lda, a[j*lda:], lda, 1, below, lda)
			}
			trsmRLT(gemm, m, jb, d, lda, below, lda)
		}
	}
	return 0
}

// potf2 factors the small n×n block a (row stride lda, lower triangle)
// unblocked. It returns 0, or i+1 when the leading minor of order i+1 is
// not positive definite (a NaN counts as not positive).
func potf2[T float32 | float64](n int, a []T, lda int) int {
	for i := 0; i < n; i++ {
		ri := a[i*lda : i*lda+i+1]
		for l := 0; l <= i; l++ {
			s := ri[l]
			for p, v := range a[l*lda : l*lda+l] {
				s -= ri[p] * v
			}
			if l < i {
				ri[l] = s / a[l*lda+l]
				continue
			}
			if !(s > 0) {
				return i + 1
			}
			ri[i] = T(math.Sqrt(float64(s)))
		}
	}
	return 0
}

// trsmRLT overwrites the m×nb matrix b (row stride ldb) with X solving
// X Lᵀ = B, L the nb×nb lower triangle of l (row stride ldl, non-unit
// diagonal): the left half of the columns, then the right half updated by
// one GEMM and solved, recursively down to trsmBase columns.
func trsmRLT[T float32 | float64](gemm gemmFunc[T], m, nb int, l []T, ldl int, b []T, ldb int) {
	if nb <= trsmBase {
		trsmRLTBase(m, nb, l, ldl, b, ldb)
		return
	}
	n1 := (nb/2 + 7) / 8 * 8
	trsmRLT(gemm, m, n1, l, ldl, b, ldb)
	gemm(blas.NoTrans, blas.Trans, m, nb-n1, n1, -1, b, ldb, l[n1*ldl:], ldl, 1, b[n1:], ldb)
	trsmRLT(gemm, m, nb-n1, l[n1*ldl+n1:], ldl, b[n1:], ldb)
}

// trsmRLTBase is trsmRLT by substitution along each row, rows split over
// GOMAXPROCS goroutines.
func trsmRLTBase[T float32 | float64](m, nb int, l []T, ldl int, b []T, ldb int) {
	rows := func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			x := b[r*ldb : r*ldb+nb]
			for c := range x {
				s := x[c]
				for p, v := range l[c*ldl : c*ldl+c] {
					s -= x[p] * v
				}
				x[c] = s / l[c*ldl+c]
			}
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if workers == 1 || m*nb*nb < 1<<16 {
		rows(0, m)
		return
	}
	var wg sync.WaitGroup
	step := (m + workers - 1) / workers
	for r0 := 0; r0 < m; r0 += step {
		wg.Go(func() { rows(r0, min(m, r0+step)) })
	}
	wg.Wait()
}
