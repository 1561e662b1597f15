//go:build !openblas

package numeric

import (
	"runtime"
	"sync"

	"github.com/hierlearn/hierlearn/internal/numeric/panel"
	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
)

// Block sizes of gemm32: kc32 deep (sgemm.Packed blocks that again by
// 384), mc32 rows of packed A (about 600 KB, in L2), nc32 columns of
// packed B.
const (
	kc32 = 768
	mc32 = 192
	nc32 = 2048
)

// gemm32 computes C = alpha op(A) op(B) + beta C (row-major, op(A) m×k)
// on sgemm's packed micro-kernels, split over GOMAXPROCS goroutines by
// column blocks (row blocks when C is taller than wide). sgemm.Available
// must hold.
func gemm32(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	block := func(i0, i1, j0, j1 int) {
		gemm32Block(tA, tB, k, alpha, a, lda, b, ldb, beta, c, ldc, i0, i1, j0, j1)
	}
	workers := runtime.GOMAXPROCS(0)
	if workers == 1 || m*n*k < 1<<20 {
		block(0, m, 0, n)
		return
	}
	panel.Split(m, n, sgemm.PanelM, sgemm.PanelN, workers, block)
}

// gemm32Block computes rows [i0, i1) and columns [j0, j1) of gemm32's C.
func gemm32Block(tA, tB bool, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc, i0, i1, j0, j1 int) {
	if beta != 1 && (beta != 0 || alpha == 0 || k == 0) {
		for i := i0; i < i1; i++ {
			row := c[i*ldc+j0 : i*ldc+j1]
			if beta == 0 {
				clear(row)
				continue
			}
			for j := range row {
				row[j] *= beta
			}
		}
	}
	if alpha == 0 || k == 0 {
		return
	}
	kc, nc, mc := min(kc32, k), min(nc32, j1-j0), min(mc32, i1-i0)
	bufA, bufB := getBuf32(sgemm.PackedASize(mc, kc)), getBuf32(sgemm.PackedBSize(kc, nc))
	defer buf32Pool.Put(bufA)
	defer buf32Pool.Put(bufB)
	pa, pb := *bufA, *bufB
	for jc := j0; jc < j1; jc += nc {
		nb := min(nc, j1-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			panel.PackB(tB, b, ldb, pc, kb, jc, nb, sgemm.PanelN, pb)
			for ic := i0; ic < i1; ic += mc {
				mb := min(mc, i1-ic)
				packA32(tA, a, lda, ic, mb, pc, kb, alpha, pa)
				acc := pc > 0 || beta != 0
				sgemm.Packed(mb, nb, kb, pa, pb, c[ic*ldc+jc:], ldc, nil, acc, false, 0, nb)
			}
		}
	}
}

var buf32Pool sync.Pool // *[]float32 packing buffers

func getBuf32(n int) *[]float32 {
	if v, ok := buf32Pool.Get().(*[]float32); ok && cap(*v) >= n {
		*v = (*v)[:n]
		return v
	}
	s := make([]float32, n)
	return &s
}

// packA32 packs rows [i0, i0+mb) and depth [p0, p0+kb) of op(A), times
// alpha, in sgemm.PackA's layout (panels of PanelM rows, [kb][PanelM]).
func packA32(tA bool, a []float32, lda, i0, mb, p0, kb int, alpha float32, dst []float32) {
	const mr = sgemm.PanelM
	for q := 0; q*mr < mb; q++ {
		panel := dst[q*mr*kb : (q+1)*mr*kb]
		rows := min(mr, mb-q*mr)
		r0 := i0 + q*mr
		if tA {
			for kk := 0; kk < kb; kk++ {
				src := a[(p0+kk)*lda+r0 : (p0+kk)*lda+r0+rows]
				d := panel[kk*mr : kk*mr+mr]
				for r, v := range src {
					d[r] = alpha * v
				}
				clear(d[rows:])
			}
			continue
		}
		if rows == mr {
			// A full panel: read the 8 rows side by side, write each k's
			// 8 values at once.
			var rs [mr][]float32
			for r := range rs {
				rs[r] = a[(r0+r)*lda+p0 : (r0+r)*lda+p0+kb]
			}
			for kk := 0; kk < kb; kk++ {
				d := panel[kk*mr : kk*mr+mr : kk*mr+mr]
				d[0], d[1], d[2], d[3] = alpha*rs[0][kk], alpha*rs[1][kk], alpha*rs[2][kk], alpha*rs[3][kk]
				d[4], d[5], d[6], d[7] = alpha*rs[4][kk], alpha*rs[5][kk], alpha*rs[6][kk], alpha*rs[7][kk]
			}
			continue
		}
		for r := 0; r < mr; r++ {
			if r >= rows {
				for kk := 0; kk < kb; kk++ {
					panel[kk*mr+r] = 0
				}
				continue
			}
			for kk, v := range a[(r0+r)*lda+p0 : (r0+r)*lda+p0+kb] {
				panel[kk*mr+r] = alpha * v
			}
		}
	}
}
