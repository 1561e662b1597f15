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

// packB packs depth [p0, p0+kb) and columns [j0, j0+nb) of op(B) (B
// row-major with stride ldb, transposed if tB) into panels of nr columns:
// panel q holds dst[q·nr·kb:] as [kb][nr], columns past nb zero.
func packB(tB bool, b []float64, ldb, p0, kb, j0, nb, nr int, dst []float64) {
	for q := 0; q*nr < nb; q++ {
		panel := dst[q*nr*kb : (q+1)*nr*kb]
		cols := min(nr, nb-q*nr)
		c0 := j0 + q*nr
		if !tB { // op(B)[p][j] = b[p·ldb+j]: each k a contiguous run
			for kk := 0; kk < kb; kk++ {
				d := panel[kk*nr : kk*nr+nr]
				copy(d, b[(p0+kk)*ldb+c0:(p0+kk)*ldb+c0+cols])
				clear(d[cols:])
			}
			continue
		}
		for c := 0; c < cols; c++ {
			src := b[(c0+c)*ldb+p0 : (c0+c)*ldb+p0+kb]
			for kk, v := range src {
				panel[kk*nr+c] = v
			}
		}
		for c := cols; c < nr; c++ {
			for kk := 0; kk < kb; kk++ {
				panel[kk*nr+c] = 0
			}
		}
	}
}
