package importer

import (
	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
	"github.com/hierlearn/hierlearn/internal/numeric/vec"
)

// phaseSuits reports whether phaseConv suits the window: 2-D, stride 2,
// undilated, a kernel bigger than 1x1 (a strided 1x1 convolution reads a
// quarter of its input, which im2col copies as cheaply).
func (w *window) phaseSuits() bool {
	return w.in[0] == 1 && w.k[0] == 1 && w.s[1] == 2 && w.s[2] == 2 &&
		w.d[1] == 1 && w.d[2] == 1 && w.k[1]*w.k[2] > 1
}

// phaseConv computes a stride-2 convolution with sgemm.Shifted, without
// im2col: the zero-padded input P of each channel splits into four phase
// images Q[ph][pw][y][x] = P[2y+ph][2x+pw], and
//
//	out[oh][ow] = sum over c, i, j of W[c][i][j] P[2oh+i][2ow+j]
//	            = sum over c, i, j of W[c][i][j] Q[i%2][j%2][oh+i/2][ow+j/2],
//
// so kernel tap (i, j) reads phase image (i%2, j%2) shifted by
// (i/2, j/2): a shifted view, exactly as in a stride-1 convolution, with
// as many taps as the kernel has (9 for 3x3, 49 for resnet18's 7x7 stem)
// and the input copied once (scattered into the phases) instead of
// once per tap. The output is computed with the phase images' width Wq
// and copied out. With res, input 3 (same shape as the output) is added
// as it is, then ReLU.
func phaseConv(n *Node, w *window, N, C, M int, wt *Tensor, bias *info, relu, res bool, workers int) *kernel {
	KH, KW := w.k[1], w.k[2]
	H, W := w.in[1], w.in[2]
	pt, pl := w.pb[1], w.pb[2]
	Hp, Wp := H+w.pb[1]+w.pe[1], W+w.pb[2]+w.pe[2]
	OH, OW := w.out[1], w.out[2]
	Hq, Wq := max((Hp+1)/2, OH+(KH-1)/2), max((Wp+1)/2, OW+(KW-1)/2)
	psz := Hq * Wq // one phase image
	ld := 4 * psz  // one channel: its four phase images
	taps := KH * KW
	offs := make([]int, taps)
	for t := range offs {
		i, j := t/KW, t%KW
		offs[t] = ((i%2)*2+j%2)*psz + (i/2)*Wq + j/2
	}
	pa := shiftedWeights(n, wt, M, C, taps)
	var bv []float32
	if bias != nil {
		bv = bias.c.F
	}
	nc := wholePanels(OH * Wq)
	// The scatter fills all four phases of every channel, which the taps
	// may not all read (a 4x1 kernel never reads the odd columns).
	pSize := max(sgemm.ShiftedSpan(C, offs, ld, nc), C*ld)
	per := pSize + M*nc
	return &kernel{scratch: chunkScratch(N, 1, workers, per), run: func(in, o []*Tensor, sc []float32) {
		src, dst := in[0].F, o[0].F
		chunked(N, 1, workers, per, sc, func(b0, _ int, sc []float32, workers int) {
			P := sc[:pSize]
			tmp := sc[pSize : pSize+M*nc]
			const blk = 1 << 12
			parallel(workers, (pSize+blk-1)/blk, pSize >= minSplitCopy, func(_, lo, hi int) {
				clear(P[lo*blk : min(pSize, hi*blk)])
			})
			// Scatter each input row into its channel's phase images: its
			// even and odd padded columns x+pl go to phases pw = 0 and 1.
			pe, po := pl%2, (pl+1)%2 // phases of the even and odd x
			parallel(workers, C*H, C*H*W >= minSplitCopy, func(_, lo, hi int) {
				for u := lo; u < hi; u++ {
					c, h := u/H, u%H
					y, ph := (h+pt)/2, (h+pt)%2
					row := src[((b0*C+c)*H+h)*W : ((b0*C+c)*H+h+1)*W]
					base := c*ld + ph*2*psz + y*Wq
					vec.Deinterleave(P[base+pe*psz+pl/2:], P[base+po*psz+(pl+1)/2:], row)
				}
			})
			o := b0 * M * OH * OW
			resid := sliceFrom(residualOf(in), o)
			if directRows(OW, M*nc) {
				shiftedDirect(workers, M, C, OH, OW, Wq, offs, pa, bv, P, ld, dst[o:o+M*OH*OW], resid, relu)
				return
			}
			panels := nc / sgemm.PanelN
			splitGemm(workers, M, panels, M*C*taps*nc >= minSplitMACs, func(m0, m1, p0, p1 int) {
				sgemm.Shifted(m1-m0, C, offs, pa[m0*C*taps:], P, ld, tmp[m0*nc:], nc, sliceFrom(bv, m0), nil, relu && !res,
					p0*sgemm.PanelN, min(nc, p1*sgemm.PanelN))
			})
			parallel(workers, M, M*OH*OW >= minSplitCopy, func(_, lo, hi int) {
				for m := lo; m < hi; m++ {
					for oh := 0; oh < OH; oh++ {
						d := dst[o+(m*OH+oh)*OW : o+(m*OH+oh+1)*OW]
						t := tmp[m*nc+oh*Wq : m*nc+oh*Wq+OW]
						storeRow(d, t, sliceFrom(resid, (m*OH+oh)*OW), relu)
					}
				}
			})
		})
	}}
}
