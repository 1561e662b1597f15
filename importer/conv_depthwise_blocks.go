package importer

import "github.com/hierlearn/hierlearn/internal/numeric/vec"

// chanBlocks computes a depthwise convolution 16 output channels at a
// time (any strides and dilations): the block's input planes are
// interleaved into one zero-padded image of 16 floats a pixel, every
// output row is summed by one vec.Taps16 call (each tap one multiply-add
// of 16 per-channel weights), and the row, activated while in cache, is
// split back into the 16 output planes. Unlike phasePlanes, whose cost
// per plane (loads, copies, a vec.Taps call for a 7x7 output) dominates
// small planes, it costs the same per pixel whatever the plane size,
// plus the interleaving.
type chanBlocks struct {
	w      *window
	hp, wp int // padded input size
}

// newChanBlocks returns the channel-block form of w.
func newChanBlocks(w *window) *chanBlocks {
	return &chanBlocks{w: w, hp: w.in[1] + w.pb[1] + w.pe[1], wp: w.in[2] + w.pb[2] + w.pe[2]}
}

// perWorker is the scratch one worker needs: the interleaved input, one
// output row, the block's weights and biases.
func (b *chanBlocks) perWorker() int {
	return vec.Lanes16 * (b.hp*b.wp + b.w.out[2] + b.w.k[1]*b.w.k[2] + 1)
}

// kernel is the depthwise convolution (see depthwiseConv) over blocks of
// 16 output channels of one image (or bands of their output rows), split
// over the workers.
func (b *chanBlocks) kernel(N, C, M int, act activation, workers int, big bool) *kernel {
	const L = vec.Lanes16
	w := b.w
	H, W, OH, OW := w.in[1], w.in[2], w.out[1], w.out[2]
	KH, KW, SH, SW := w.k[1], w.k[2], w.s[1], w.s[2]
	PH, PW := w.pb[1], w.pb[2]
	taps, wp, per := KH*KW, b.wp, b.perWorker()
	mult, mb := M/C, (M+L-1)/L
	blocks := N * mb
	// With fewer blocks than a few per worker (mobilenet's first 16
	// channels at 112×112), each block's output rows are split into
	// bands that pack only the input rows they read.
	bands := 1
	if workers > 1 && big {
		bands = min(max(1, (4*workers+blocks-1)/blocks), max(1, OH/8))
	}
	DH := w.d[1]
	offs := make([]int, taps)
	for kh := 0; kh < KH; kh++ {
		for kw := 0; kw < KW; kw++ {
			offs[kh*KW+kw] = L * (kh*DH*wp + kw*w.d[2])
		}
	}
	return &kernel{scratch: per * min(workers, max(blocks*bands, 1)), run: func(in, o []*Tensor, sc []float32) {
		src, wd, dst := in[0].F, in[1].F, o[0].F
		var bias []float32
		if len(in) > 2 && in[2] != nil {
			bias = in[2].F
		}
		parallel(workers, blocks*bands, big, func(wi, lo, hi int) {
			buf := sc[wi*per : (wi+1)*per]
			xb, buf := buf[:L*b.hp*wp], buf[L*b.hp*wp:]
			row, buf := buf[:L*OW], buf[L*OW:]
			wb, bb := buf[:L*taps], buf[L*taps:L*taps+L]
			// The padding, which no block writes. Lanes past the last
			// channel keep the previous block's values: their outputs
			// are never stored.
			b.clearPadding(xb)
			clear(wb)
			clear(bb)
			for u := lo; u < hi; u++ {
				q, band := u/bands, u%bands
				n, m0 := q/mb, q%mb*L
				lanes := min(L, M-m0)
				oy0, oy1 := band*OH/bands, (band+1)*OH/bands
				iy0, iy1 := max(0, oy0*SH-PH), min(H, (oy1-1)*SH+(KH-1)*DH+1-PH) // input rows read
				if mult == 1 {                                                   // the block's planes are consecutive
					plane := src[(n*C+m0)*H*W:]
					for iy := iy0; iy < iy1; iy++ {
						d := xb[L*((iy+PH)*wp+PW):]
						for x0 := 0; x0 < W; x0 += L {
							vec.Transpose16(d[L*x0:], L, plane[iy*W+x0:], H*W, lanes, min(L, W-x0))
						}
					}
				} else {
					for l := 0; l < lanes; l++ {
						plane := src[(n*C+(m0+l)/mult)*H*W : (n*C+(m0+l)/mult+1)*H*W]
						for iy := iy0; iy < iy1; iy++ {
							d := xb[L*((iy+PH)*wp+PW)+l:]
							for ix, v := range plane[iy*W : (iy+1)*W] {
								d[L*ix] = v
							}
						}
					}
				}
				for l := 0; l < lanes; l++ {
					m := m0 + l
					for t, v := range wd[m*taps : (m+1)*taps] {
						wb[L*t+l] = v
					}
					if bias != nil {
						bb[l] = bias[m]
					}
				}
				for oy := oy0; oy < oy1; oy++ {
					vec.Taps16(row, OW, bb, wb, offs, xb[L*oy*SH*wp:], L*SW)
					act.apply(row, row)
					y := dst[((n*M+m0)*OH+oy)*OW:]
					for x0 := 0; x0 < OW; x0 += L {
						vec.Transpose16(y[x0:], OH*OW, row[L*x0:], L, min(L, OW-x0), lanes)
					}
				}
			}
		})
	}}
}

// clearPadding zeroes the padding of the interleaved input image xb:
// the rows above and below the input and the columns left and right of
// it.
func (b *chanBlocks) clearPadding(xb []float32) {
	const L = vec.Lanes16
	w := b.w
	top, bottom := L*w.pb[1]*b.wp, L*(w.pb[1]+w.in[1])*b.wp
	clear(xb[:top])
	clear(xb[bottom:])
	for y := w.pb[1]; y < w.pb[1]+w.in[1]; y++ {
		row := xb[L*y*b.wp : L*(y+1)*b.wp]
		clear(row[:L*w.pb[2]])
		clear(row[L*(w.pb[2]+w.in[2]):])
	}
}
