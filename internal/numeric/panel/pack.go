package panel

// MaxNR bounds the panel width nr that PackB accepts.
const MaxNR = 32

// PackB packs depth [p0, p0+kb) and columns [j0, j0+nb) of op(B) (B
// row-major with stride ldb, transposed if tB) into panels of nr columns:
// panel q holds dst[q·nr·kb:] as [kb][nr], columns past nb zero.
// nr must not exceed MaxNR.
func PackB[T float32 | float64](tB bool, b []T, ldb, p0, kb, j0, nb, nr int, dst []T) {
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
		// Columns of op(B) are rows of b: read them side by side and write
		// each k's row of the panel at once.
		var rs [MaxNR][]T
		for c := 0; c < cols; c++ {
			rs[c] = b[(c0+c)*ldb+p0 : (c0+c)*ldb+p0+kb]
		}
		for kk := 0; kk < kb; kk++ {
			d := panel[kk*nr : kk*nr+nr : kk*nr+nr]
			for c, r := range rs[:cols] {
				d[c] = r[kk]
			}
			clear(d[cols:])
		}
	}
}
