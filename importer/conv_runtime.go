package importer

import (
	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
)

// runtimeShiftedConv is shiftedPackedConv for weights that are run-time
// inputs (a GradSession's params, which change every training step):
// each run packs the current weights (M·C·taps floats, small beside the
// product) instead of caching them on the node, then computes each image
// with one sgemm.Shifted call over its zero-padded planes. Bias, when
// given, is read at run time too.
func runtimeShiftedConv(w *window, N, C, M int, relu bool, workers int) *kernel {
	KH, KW := w.k[1], w.k[2]
	H, W := w.in[1], w.in[2]
	pt, pl := w.pb[1], w.pb[2]
	Hp, Wp := H+pt+w.pe[1], W+pl+w.pe[2]
	OH, OW := w.out[1], w.out[2]
	ps := Hp*Wp + KW - 1
	taps := KH * KW
	K := C * taps
	offs := shiftedOffsets(KH, KW, Wp)
	nc := OH * Wp
	pSize := sgemm.ShiftedSpan(C, offs, ps, nc)
	return &kernel{run: func(in, o []*Tensor, _ []float32) {
		src, wf, dst := in[0].F, in[1].F, o[0].F
		var bias []float32
		if len(in) > 2 && in[2] != nil {
			bias = in[2].F
		}
		wb := getFloats(M*K + sgemm.PackedASize(M, K))
		defer putFloats(wb)
		tm, pa := (*wb)[:M*K], (*wb)[M*K:]
		tapMajorWeights(tm, wf, M, C, taps)
		sgemm.PackA(M, K, tm, K, pa)
		parallel(workers, N, N*M*K*nc >= minSplitMACs, func(_, lo, hi int) {
			buf := getFloats(pSize + M*nc)
			defer putFloats(buf)
			P, tmp := (*buf)[:pSize], (*buf)[pSize:]
			for n := lo; n < hi; n++ {
				clear(P)
				for c := 0; c < C; c++ {
					img := src[(n*C+c)*H*W:]
					base := c*ps + pt*Wp + pl
					for h := 0; h < H; h++ {
						copy(P[base+h*Wp:base+h*Wp+W], img[h*W:(h+1)*W])
					}
				}
				sgemm.Shifted(M, C, offs, pa, P, ps, tmp, nc, bias, nil, relu, 0, nc)
				for m := 0; m < M; m++ {
					out := dst[(n*M+m)*OH*OW:]
					for oh := 0; oh < OH; oh++ {
						copy(out[oh*OW:(oh+1)*OW], tmp[m*nc+oh*Wp:m*nc+oh*Wp+OW])
					}
				}
			}
		})
	}}
}
