package dgemm

// packA packs rows [i0, i0+mb) and depth [p0, p0+kb) of op(A) (A row-major
// with stride lda, transposed if tA), times alpha, into panels of mr rows:
// panel q holds dst[q·mr·kb:] as [kb][mr], rows past mb zero.
func packA(tA bool, a []float64, lda, i0, mb, p0, kb, mr int, alpha float64, dst []float64) {
	for q := 0; q*mr < mb; q++ {
		panel := dst[q*mr*kb : (q+1)*mr*kb]
		rows := min(mr, mb-q*mr)
		r0 := i0 + q*mr
		if tA { // op(A)[i][p] = a[p·lda+i]: each k a contiguous run of rows
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
		if rows == 8 && mr == 8 { // read the 8 rows side by side
			var rs [8][]float64
			for r := range rs {
				rs[r] = a[(r0+r)*lda+p0 : (r0+r)*lda+p0+kb]
			}
			for kk := 0; kk < kb; kk++ {
				d := panel[kk*8 : kk*8+8 : kk*8+8]
				d[0], d[1], d[2], d[3] = alpha*rs[0][kk], alpha*rs[1][kk], alpha*rs[2][kk], alpha*rs[3][kk]
				d[4], d[5], d[6], d[7] = alpha*rs[4][kk], alpha*rs[5][kk], alpha*rs[6][kk], alpha*rs[7][kk]
			}
			continue
		}
		if rows == 4 && mr == 4 {
			var rs [4][]float64
			for r := range rs {
				rs[r] = a[(r0+r)*lda+p0 : (r0+r)*lda+p0+kb]
			}
			for kk := 0; kk < kb; kk++ {
				d := panel[kk*4 : kk*4+4 : kk*4+4]
				d[0], d[1], d[2], d[3] = alpha*rs[0][kk], alpha*rs[1][kk], alpha*rs[2][kk], alpha*rs[3][kk]
			}
			continue
		}
		for r := 0; r < rows; r++ {
			src := a[(r0+r)*lda+p0 : (r0+r)*lda+p0+kb]
			for kk, v := range src {
				panel[kk*mr+r] = alpha * v
			}
		}
		for r := rows; r < mr; r++ {
			for kk := 0; kk < kb; kk++ {
				panel[kk*mr+r] = 0
			}
		}
	}
}
