package importer

import "github.com/hierlearn/hierlearn/internal/numeric/sgemm"

// pointwiseSuits reports whether pointwiseConv suits the window: 2-D, a
// 1x1 kernel, no padding (any stride).
func (w *window) pointwiseSuits() bool {
	return w.in[0] == 1 && w.k[0] == 1 && w.k[1] == 1 && w.k[2] == 1 &&
		w.pb[1] == 0 && w.pb[2] == 0 && w.pe[1] == 0 && w.pe[2] == 0
}

// pointwiseConv computes a 1x1 convolution as one sgemm.Shifted product
// with a single tap, out[M × OH·OW] = W[M × C] · X[C × OH·OW], reading X
// in place: no im2col and no packing (the packed path copied the input
// twice, which cost more than the product on ResNet-50's bottleneck
// layers). Shifted reads rows in whole tiles, up to sgemm.PanelN floats
// past the last channel, which the planner's buffers have as slack (a
// caller's input without it is copied). A strided convolution first
// gathers its subsampled input into scratch. The output is written in
// place, with bias, input 3 when res (a residual connection) and ReLU
// applied as it is stored.
func pointwiseConv(n *Node, w *window, N, C, M int, wt *Tensor, bias *info, relu, res bool, workers int) *kernel {
	return pointwiseAct(n, w, N, C, M, wt, bias, relu, res, activation{}, workers)
}

// pointwiseAct is pointwiseConv with the activation act applied to each
// worker's part of the output right after its product (while it is in
// cache), after any ReLU and residual.
func pointwiseAct(n *Node, w *window, N, C, M int, wt *Tensor, bias *info, relu, res bool, act activation, workers int) *kernel {
	H, W := w.in[1], w.in[2]
	OH, OW := w.out[1], w.out[2]
	sh, sw := w.s[1], w.s[2]
	hw := OH * OW
	strided := sh != 1 || sw != 1
	offs := []int{0}
	pa := shiftedWeights(n, wt, M, C, 1)
	var bv []float32
	if bias != nil {
		bv = bias.c.F
	}
	span := sgemm.ShiftedSpan(C, offs, hw, hw)
	return &kernel{scratch: chunkScratch(N, 1, workers, span), run: func(in, o []*Tensor, sc []float32) {
		x, dst := in[0].F, o[0].F
		chunked(N, 1, workers, span, sc, func(b0, _ int, sc []float32, workers int) {
			var B []float32
			switch lo := b0 * C * H * W; {
			case strided:
				B = sc[:span]
				parallel(workers, C*OH, C*hw >= minSplitCopy, func(_, r0, r1 int) {
					for r := r0; r < r1; r++ {
						c, oh := r/OH, r%OH
						row := x[lo+(c*H+oh*sh)*W:]
						d := B[c*hw+oh*OW : c*hw+(oh+1)*OW]
						for i := range d {
							d[i] = row[i*sw]
						}
					}
				})
				clear(B[C*hw:])
			case cap(x)-lo >= span:
				B = x[lo : lo+span]
			default: // no slack after the caller's input
				B = sc[:span]
				copy(B, x[lo:lo+C*hw])
				clear(B[C*hw:])
			}
			out := dst[b0*M*hw : (b0+1)*M*hw]
			resid := sliceFrom(residualOf(in), b0*M*hw)
			panels := (hw + sgemm.PanelN - 1) / sgemm.PanelN
			splitGemm(workers, M, panels, M*C*hw >= minSplitMACs, func(m0, m1, p0, p1 int) {
				c0, c1 := p0*sgemm.PanelN, min(hw, p1*sgemm.PanelN)
				sgemm.Shifted(m1-m0, C, offs, pa[m0*C:], B, hw, out[m0*hw:], hw, sliceFrom(bv, m0), sliceFrom(resid, m0*hw), relu, c0, c1)
				switch {
				case act.op == "":
				case c0 == 0 && c1 == hw: // whole rows: one call, one scalar tail
					part := out[m0*hw : m1*hw]
					act.apply(part, part)
				default:
					for m := m0; m < m1; m++ {
						row := out[m*hw+c0 : m*hw+c1]
						act.apply(row, row)
					}
				}
			})
		})
	}}
}
