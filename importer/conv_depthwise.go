package importer

import "github.com/hierlearn/hierlearn/internal/numeric/vec"

// depthwiseSuits reports whether a Conv with group g over C input and M
// output channels is depthwise (one input channel per group, any channel
// multiplier M/C) over at most two spatial dims, which depthwiseConv
// computes directly instead of through im2col and a one-row GEMM per
// group.
func (w *window) depthwiseSuits(g, C, M int) bool {
	return g > 1 && g == C && M%C == 0 && w.in[0] == 1 && w.k[0] == 1
}

// depthwiseConv computes a depthwise convolution: output channel m of
// image n is input channel m/(M/C) correlated with its own kh×kw filter,
// plus the bias, then the activation act. Where vec.Transpose16 is fast
// (AVX-512) the convolution runs on blocks of 16 interleaved channels
// (chanBlocks: measured 1.3-3x faster than phase planes on
// mobilenet_v3_large's layers, most on the small planes). Otherwise
// undilated convolutions with strides 1×1 or 2×2 run on phase planes
// (phasePlanes); the others
// accumulate each output row by one vec.Axpy per tap over the valid columns; with stride 2 the input row
// is first split into its even and odd columns so that every tap reads
// contiguously. Planes (image, channel) are split over the worker pool.
func depthwiseConv(w *window, N, C, M int, act activation, workers int) *kernel {
	H, W := w.in[1], w.in[2]
	OH, OW := w.out[1], w.out[2]
	KH, KW := w.k[1], w.k[2]
	SH, SW := w.s[1], w.s[2]
	DH, DW := w.d[1], w.d[2]
	PH, PW := w.pb[1], w.pb[2]
	mult := M / C
	split := SW == 2
	perWorker := 0
	if split {
		perWorker = W + 1
	}
	planes := N * M
	big := planes*OH*OW*KH*KW >= 1<<15
	if vec.Transpose16Fast() {
		return newChanBlocks(w).kernel(N, C, M, act, workers, big)
	}
	if pp := newPhasePlanes(w); pp != nil {
		return pp.kernel(N, C, M, act, workers, big)
	}
	return &kernel{scratch: perWorker * min(workers, max(planes, 1)), run: func(in, o []*Tensor, sc []float32) {
		src, wd, dst := in[0].F, in[1].F, o[0].F
		var bias []float32
		if len(in) > 2 && in[2] != nil {
			bias = in[2].F
		}
		parallel(workers, planes, big, func(wi, lo, hi int) {
			var even, odd []float32
			if split {
				buf := sc[wi*perWorker : (wi+1)*perWorker]
				even, odd = buf[:(W+1)/2], buf[(W+1)/2:]
			}
			for p := lo; p < hi; p++ {
				n, m := p/M, p%M
				x := src[(n*C+m/mult)*H*W : (n*C+m/mult+1)*H*W]
				y := dst[p*OH*OW : (p+1)*OH*OW]
				f := wd[m*KH*KW : (m+1)*KH*KW]
				var bv float32
				if bias != nil {
					bv = bias[m]
				}
				fill(y, bv)
				for oy := 0; oy < OH; oy++ {
					yr := y[oy*OW : (oy+1)*OW]
					for kh := 0; kh < KH; kh++ {
						iy := oy*SH - PH + kh*DH
						if iy < 0 || iy >= H {
							continue
						}
						xr := x[iy*W : (iy+1)*W]
						if split {
							vec.Deinterleave(even, odd, xr)
						}
						for kw := 0; kw < KW; kw++ {
							off := kw*DW - PW // input column of output column 0
							// Valid output columns: 0 <= ox*SW + off < W.
							olo := 0
							if off < 0 {
								olo = (-off + SW - 1) / SW
							}
							ohi := min(OW, (W-1-off)/SW+1)
							if W-1-off < 0 {
								ohi = 0
							}
							if olo >= ohi {
								continue
							}
							wv := f[kh*KW+kw]
							ix := olo*SW + off
							switch {
							case SW == 1:
								vec.Axpy(yr[olo:ohi], wv, xr[ix:])
							case split && ix%2 == 0:
								vec.Axpy(yr[olo:ohi], wv, even[ix/2:])
							case split:
								vec.Axpy(yr[olo:ohi], wv, odd[ix/2:])
							default:
								for ox := olo; ox < ohi; ox++ {
									yr[ox] += wv * xr[ox*SW+off]
								}
							}
						}
					}
					act.apply(yr, yr)
				}
			}
		})
	}}
}
