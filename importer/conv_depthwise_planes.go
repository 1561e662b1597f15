package importer

import "github.com/hierlearn/hierlearn/internal/numeric/vec"

// phasePlanes computes an undilated depthwise convolution with strides
// s×s, s 1 or 2, one plane at a time in whole-plane products: the padded
// input plane is split into its s×s phase images (rows and columns of
// the same parity), each Hq×Wq; the output is accumulated Wq wide (OW
// valid columns, the rest thrown away), so that every tap (kh, kw) reads
// the plane at one offset: out[oy·Wq+ox] = bias + Σ f[kh,kw] ·
// phase[kh%s, kw%s][(oy+kh/s)·Wq + ox+kw/s], one vec.Taps call a plane.
type phasePlanes struct {
	w      *window
	s      int
	hq, wq int // phase image size
}

// newPhasePlanes returns the plane form of w, nil where it does not apply
// (dilations, strides other than 1×1 or 2×2).
func newPhasePlanes(w *window) *phasePlanes {
	s := w.s[1]
	if w.s[2] != s || (s != 1 && s != 2) || w.d[1] != 1 || w.d[2] != 1 {
		return nil
	}
	hp := w.in[1] + w.pb[1] + w.pe[1]
	wp := w.in[2] + w.pb[2] + w.pe[2]
	return &phasePlanes{w: w, s: s, hq: (hp + s - 1) / s, wq: (wp + s - 1) / s}
}

// perWorker is the scratch one worker needs: the phase images and the
// wide output.
func (p *phasePlanes) perWorker() int { return p.s*p.s*p.hq*p.wq + p.w.out[1]*p.wq }

// load copies plane x (H×W) into the phase images ph, whose padding
// (the same elements for every plane) must already be zero: the kernel
// clears ph once per run and worker, and no load writes there.
func (p *phasePlanes) load(x, ph []float32) {
	w := p.w
	H, W, PH, PW := w.in[1], w.in[2], w.pb[1], w.pb[2]
	size := p.hq * p.wq
	for iy := 0; iy < H; iy++ {
		y := iy + PH // padded row
		row := (y%p.s*p.s)*size + y/p.s*p.wq
		xr := x[iy*W : (iy+1)*W]
		if p.s == 1 {
			copy(ph[row+PW:], xr)
			continue
		}
		// Input column c lands in column phase (c+PW)%2 at (c+PW)/2.
		ev := row + PW%2*size + PW/2
		od := row + (PW+1)%2*size + (PW+1)/2
		vec.Deinterleave(ph[ev:ev+(W+1)/2], ph[od:od+W/2], xr)
	}
}

// kernel is the depthwise convolution (see depthwiseConv) on phase
// planes: each plane's taps summed at once by vec.Taps over the wide
// output, whose valid columns are copied out, then act applied to the
// plane while it is in cache.
func (p *phasePlanes) kernel(N, C, M int, act activation, workers int, big bool) *kernel {
	w := p.w
	H, W, OH, OW, KH, KW := w.in[1], w.in[2], w.out[1], w.out[2], w.k[1], w.k[2]
	mult, planes, per, s, wq := M/C, N*M, p.perWorker(), p.s, p.wq
	size := p.hq * wq
	n := (OH-1)*wq + OW // wide output elements
	offs := make([]int, KH*KW)
	for kh := 0; kh < KH; kh++ {
		for kw := 0; kw < KW; kw++ {
			offs[kh*KW+kw] = (kh%s*s+kw%s)*size + kh/s*wq + kw/s
		}
	}
	return &kernel{scratch: per * min(workers, max(planes, 1)), run: func(in, o []*Tensor, sc []float32) {
		src, wd, dst := in[0].F, in[1].F, o[0].F
		var bias []float32
		if len(in) > 2 && in[2] != nil {
			bias = in[2].F
		}
		parallel(workers, planes, big, func(wi, lo, hi int) {
			buf := sc[wi*per : (wi+1)*per]
			ph, wide := buf[:s*s*size], buf[s*s*size:]
			prev := -1 // input plane now in ph
			clear(ph)  // the padding, which no load writes
			for q := lo; q < hi; q++ {
				c := q/M*C + q%M/mult
				if c != prev {
					p.load(src[c*H*W:(c+1)*H*W], ph)
					prev = c
				}
				var bv float32
				if bias != nil {
					bv = bias[q%M]
				}
				vec.Taps(wide[:n], bv, wd[q%M*KH*KW:(q%M+1)*KH*KW], offs, ph)
				y := dst[q*OH*OW : (q+1)*OH*OW]
				for oy := 0; oy < OH; oy++ {
					copy(y[oy*OW:(oy+1)*OW], wide[oy*wq:])
				}
				act.apply(y, y) // the whole plane: the vec loops' scalar tails are slow
			}
		})
	}}
}
