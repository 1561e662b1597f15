package importer

import (
	"runtime"

	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
)

// s2dSuits reports whether s2dConv suits the window: 2-D, stride 2,
// undilated, a kernel bigger than 2x2, and few input channels (the first
// conv of an ImageNet ResNet: 3 channels, 7x7), where im2col and packing
// cost as much as the product itself.
func (w *window) s2dSuits(C int) bool {
	return w.in[0] == 1 && w.k[0] == 1 && w.s[1] == 2 && w.s[2] == 2 &&
		w.d[1] == 1 && w.d[2] == 1 && w.k[1] > 2 && w.k[2] > 2 && C <= 4
}

// s2dKey keys the rearranged, packed weights in Node.cache.
type s2dKey struct{ wt *Tensor }

// s2dConv computes a stride-2 convolution as a stride-1 one
// (space-to-depth): the zero-padded input P splits into four phase
// images Q[ph][pw][y][x] = P[2y+ph][2x+pw], and
//
//	out[oh][ow] = sum over c, i, j of W[c][i][j] P[2oh+i][2ow+j]
//	            = sum over (c, ph, pw), a, b of W[c][2a+ph][2b+pw] Q[ph][pw][oh+a][ow+b],
//
// a stride-1 convolution with 4C channels and a ceil(KH/2) x ceil(KW/2)
// kernel (taps outside the original kernel get zero weights), run by
// sgemm.Shifted over the phase images read in place. For a 7x7 kernel
// that is 64 taps instead of 49, but no im2col.
func s2dConv(n *Node, w *window, N, C, M int, wt *Tensor, bias *info, relu bool) *kernel {
	KH, KW := w.k[1], w.k[2]
	H, W := w.in[1], w.in[2]
	pt, pl := w.pb[1], w.pb[2]
	Hp, Wp := H+w.pb[1]+w.pe[1], W+w.pb[2]+w.pe[2]
	OH, OW := w.out[1], w.out[2]
	KA, KB := (KH+1)/2, (KW+1)/2
	Hq, Wq := max((Hp+1)/2, OH+KA-1), (Wp+1)/2
	C4 := 4 * C
	ps := Hq*Wq + KB - 1 // per-channel stride of the phase images
	taps := KA * KB
	offs := make([]int, taps)
	for t := range offs {
		offs[t] = (t/KB)*Wq + t%KB
	}
	pa := s2dWeights(n, wt, M, C, KH, KW, KA, KB)
	var bv []float32
	if bias != nil {
		bv = bias.c.F
	}
	padded := func(nc int) int { return (nc + sgemm.PanelN - 1) / sgemm.PanelN * sgemm.PanelN }
	nc := padded(OH * Wq)
	pSize := sgemm.ShiftedSpan(C4, offs, ps, nc)
	per := pSize + M*nc
	workers := runtime.GOMAXPROCS(0)
	if !SplitGemm {
		workers = 1
	}
	return &kernel{scratch: chunkScratch(N, 1, workers, per), run: func(in, o []*Tensor, sc []float32) {
		src, dst := in[0].F, o[0].F
		chunked(N, 1, workers, per, sc, func(b0, _ int, sc []float32, workers int) {
			P := sc[:pSize]
			tmp := sc[pSize : pSize+M*nc]
			const blk = 1 << 12
			parallel(workers, (pSize+blk-1)/blk, pSize >= minSplitCopy, func(_, lo, hi int) {
				clear(P[lo*blk : min(pSize, hi*blk)])
			})
			// Scatter each input row into the phase images: its even and
			// odd padded columns go to phases pw = 0 and 1.
			parallel(workers, C*H, C*H*W >= minSplitCopy, func(_, lo, hi int) {
				for u := lo; u < hi; u++ {
					c, h := u/H, u%H
					y, ph := (h+pt)/2, (h+pt)%2
					row := src[((b0*C+c)*H+h)*W : ((b0*C+c)*H+h+1)*W]
					for pw := 0; pw < 2; pw++ {
						x0 := ((pw-pl)%2 + 2) % 2 // first x with (x+pl)%2 == pw
						d := P[(c*4+ph*2+pw)*ps+y*Wq+(x0+pl)/2:]
						for i, x := 0, x0; x < W; i, x = i+1, x+2 {
							d[i] = row[x]
						}
					}
				}
			})
			panels := nc / sgemm.PanelN
			splitGemm(workers, M, panels, M*C4*taps*nc >= minSplitMACs, func(m0, m1, p0, p1 int) {
				sgemm.Shifted(m1-m0, C4, offs, pa[m0*C4*taps:], P, ps, tmp[m0*nc:], nc, subBias(bv, m0), relu,
					p0*sgemm.PanelN, min(nc, p1*sgemm.PanelN))
			})
			img := dst[b0*M*OH*OW : (b0+1)*M*OH*OW]
			parallel(workers, M, M*OH*OW >= minSplitCopy, func(_, lo, hi int) {
				for m := lo; m < hi; m++ {
					for oh := 0; oh < OH; oh++ {
						copy(img[(m*OH+oh)*OW:(m*OH+oh+1)*OW], tmp[m*nc+oh*Wq:])
					}
				}
			})
		})
	}}
}

// s2dWeights returns W'[m][t·4C + c'] with c' = (c, ph, pw), t = (a, b):
// W[m][c][2a+ph][2b+pw], zero outside the kernel; packed, cached.
func s2dWeights(n *Node, wt *Tensor, M, C, KH, KW, KA, KB int) []float32 {
	key := s2dKey{wt}
	if v, ok := n.cache.Load(key); ok {
		return v.([]float32)
	}
	C4, taps := 4*C, KA*KB
	K := C4 * taps
	tm := make([]float32, M*K)
	for m := 0; m < M; m++ {
		for c := 0; c < C; c++ {
			for i := 0; i < KH; i++ {
				for j := 0; j < KW; j++ {
					t := (i/2)*KB + j/2
					cc := c*4 + (i%2)*2 + j%2
					tm[m*K+t*C4+cc] = wt.F[((m*C+c)*KH+i)*KW+j]
				}
			}
		}
	}
	pa := make([]float32, sgemm.PackedASize(M, K))
	sgemm.PackA(M, K, tm, K, pa)
	v, _ := n.cache.LoadOrStore(key, pa)
	return v.([]float32)
}
