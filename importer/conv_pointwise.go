package importer

import (
	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
	"github.com/hierlearn/hierlearn/internal/numeric/vec"
)

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
	tail := gemvTail(hw)
	if hw == 1 {
		// One output pixel (a squeeze-and-excitation block's layers at
		// batch 1): a matrix-vector product, where a 32-wide tile
		// computed 31 columns for nothing (measured 2-2.5x slower).
		tail = 1
	}
	var wT []float32 // the weights transposed (C×M), for the tail columns
	if tail > 0 {
		wT = make([]float32, C*M)
		for m := 0; m < M; m++ {
			for c := 0; c < C; c++ {
				wT[c*M+m] = wt.F[m*C+c]
			}
		}
	}
	per := span + M // B and the tail's column sums
	return &kernel{scratch: chunkScratch(N, 1, workers, per), run: func(in, o []*Tensor, sc []float32) {
		x, dst := in[0].F, o[0].F
		chunked(N, 1, workers, per, sc, func(b0, _ int, sc []float32, workers int) {
			col := sc[span : span+M]
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
				if c0 < hw-tail {
					sgemm.Shifted(m1-m0, C, offs, pa[m0*C:], B, hw, out[m0*hw:], hw, sliceFrom(bv, m0), sliceFrom(resid, m0*hw), relu, c0, min(c1, hw-tail))
				}
				if c1 == hw {
					for j := hw - tail; j < hw; j++ {
						gemvColumn(m0, m1, C, M, wT, B[j:], hw, bv, col, out[j:], hw, sliceFrom(resid, j), relu)
					}
				}
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

// gemvTail is how many of a pointwise convolution's hw output columns
// per image gemvColumn computes instead of sgemm.Shifted: 1 or 2 when
// the rest is a multiple of 16 that the 48- and 32-wide tiles cover
// exactly (7×7 = 49 = 48 + 1, which the tiles cover as 32 + 32 with 15
// columns thrown away), else 0.
func gemvTail(hw int) int {
	if t := hw % 16; hw >= 48 && t <= 2 {
		return t
	}
	return 0
}

// gemvColumn computes rows [m0, m1) of one output column of a 1x1
// convolution as a matrix-vector product: y = bias + W·b, b read from
// b[c·ldb] for the C channels, W transposed (wT, C×M) so that each
// channel is one vec.Axpy into col; then y + add (when add is not nil),
// then ReLU if relu, stored at c[m·ldc]: what sgemm.Shifted stores.
func gemvColumn(m0, m1, C, M int, wT, b []float32, ldb int, bias, col, c []float32, ldc int, add []float32, relu bool) {
	y := col[m0:m1]
	if bias != nil {
		copy(y, bias[m0:m1])
	} else {
		clear(y)
	}
	for ch := 0; ch < C; ch++ {
		vec.Axpy(y, b[ch*ldb], wT[ch*M+m0:ch*M+m1])
	}
	for i, v := range y {
		m := m0 + i
		if add != nil {
			v += add[m*ldc]
		}
		if relu {
			v = relu32(v)
		}
		c[m*ldc] = v
	}
}
