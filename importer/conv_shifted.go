package importer

import (
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// shiftable reports whether the window suits shiftedConv: 2-D (or 1-D),
// stride 1, dilation 1, a kernel bigger than 1x1.
func (w *window) shiftable() bool {
	return w.in[0] == 1 && w.k[0] == 1 && w.s[1] == 1 && w.s[2] == 1 &&
		w.d[1] == 1 && w.d[2] == 1 && w.k[1]*w.k[2] > 1
}

// shiftedConv computes a stride-1 convolution without im2col. The input
// is copied once into a zero-padded buffer P (per channel Hp x Wp plus
// slack). For each kernel tap (i, j), output pixel (oh, ow) reads
// P[(oh+i)*Wp + ow+j], so all outputs of a tap form one GEMM
//
//	out'[M, OH*Wp] += W_ij[M, C] x P[C, i*Wp+j : i*Wp+j+OH*Wp]
//
// where out' is the output laid out with the padded width Wp (its last
// Wp-OW columns per row are junk and dropped when it is copied out).
// Several small images are stacked along the columns of one GEMM. The
// reads of P are contiguous rows with a leading dimension, which BLAS
// packs once per tap: 1x the input copied instead of kh*kw times.
func shiftedConv(n *Node, w *window, N, C, M int, wt *Tensor, bias *info, relu bool, gemmWorkers int) *kernel {
	KH, KW := w.k[1], w.k[2]
	H, W := w.in[1], w.in[2]
	pt, pl := w.pb[1], w.pb[2]
	Hp, Wp := H+w.pb[1]+w.pe[1], W+w.pb[2]+w.pe[2]
	OH, OW := w.out[1], w.out[2]
	ps := Hp*Wp + KW - 1 // per-image, per-channel stride in P (with slack)
	taps := KH * KW
	// Weights per tap: Wt[t][m][c] = W[m][c][i][j], t = i*KW + j.
	// Computed once per weight tensor and kept, since every plan (input
	// shape) of every session needs the same.
	wts := tapMajor(n, wt, M, C, taps)
	var bv []float32
	if bias != nil {
		bv = bias.c.F
	}
	nb := 1
	if OH*Wp < 512 {
		nb = min(N, (512+OH*Wp-1)/(OH*Wp))
	}
	cols := func(cnt int) int { return (cnt-1)*ps + OH*Wp }
	scratch := C*nb*ps + M*cols(nb)
	return &kernel{scratch: scratch, run: func(in, o []*Tensor, sc []float32) {
		src, dst := in[0].F, o[0].F
		for b0 := 0; b0 < N; b0 += nb {
			cnt := min(nb, N-b0)
			ld := cnt * ps // row stride of P: channel c holds cnt padded images
			P := sc[:C*ld]
			nc := cols(cnt)
			tmp := sc[C*nb*ps : C*nb*ps+M*nc]
			clear(P)
			for j := 0; j < cnt; j++ {
				img := src[(b0+j)*C*H*W : (b0+j+1)*C*H*W]
				for c := 0; c < C; c++ {
					base := c*ld + j*ps + pt*Wp + pl
					for h := 0; h < H; h++ {
						copy(P[base+h*Wp:base+h*Wp+W], img[(c*H+h)*W:(c*H+h+1)*W])
					}
				}
			}
			// Columns are split over the workers; each runs all taps on
			// its range with a single-threaded BLAS (one spawn per conv).
			parts := 1
			if gemmWorkers > 1 && M*C*taps*nc >= 1<<20 {
				parts = min(gemmWorkers, nc/64)
			}
			run := func(lo, hi int) {
				beta := float32(0)
				if bv != nil {
					for m := 0; m < M; m++ {
						fill(tmp[m*nc+lo:m*nc+hi], bv[m])
					}
					beta = 1
				}
				for t := 0; t < taps; t++ {
					off := (t/KW)*Wp + t%KW
					a := gen(M, C, C, wts[t*M*C:(t+1)*M*C])
					bm := gen(C, hi-lo, ld, P[off+lo:])
					blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, a, bm, beta, gen(M, hi-lo, nc, tmp[lo:]))
					beta = 1
				}
			}
			if parts <= 1 {
				run(0, nc)
			} else {
				var wg sync.WaitGroup
				for i := 0; i < parts; i++ {
					lo, hi := (i*nc/parts)&^15, ((i+1)*nc/parts)&^15
					if i == parts-1 {
						hi = nc
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						run(lo, hi)
					}()
				}
				wg.Wait()
			}
			for j := 0; j < cnt; j++ {
				img := dst[(b0+j)*M*OH*OW : (b0+j+1)*M*OH*OW]
				for m := 0; m < M; m++ {
					for oh := 0; oh < OH; oh++ {
						s := tmp[m*nc+j*ps+oh*Wp : m*nc+j*ps+oh*Wp+OW]
						d := img[(m*OH+oh)*OW : (m*OH+oh+1)*OW]
						if relu {
							for i, v := range s {
								d[i] = relu32(v)
							}
						} else {
							copy(d, s)
						}
					}
				}
			}
		}
	}}
}

// tapMajor returns the tap-major copy of constant conv weights, cached on
// the node (so it lives as long as the model).
func tapMajor(n *Node, wt *Tensor, M, C, taps int) []float32 {
	if v, ok := n.cache.Load(wt); ok {
		return v.([]float32)
	}
	wts := make([]float32, taps*M*C)
	for t := 0; t < taps; t++ {
		for m := 0; m < M; m++ {
			dst := wts[(t*M+m)*C : (t*M+m+1)*C]
			src := wt.F[m*C*taps+t:]
			for c := range dst {
				dst[c] = src[c*taps]
			}
		}
	}
	v, _ := n.cache.LoadOrStore(wt, wts)
	return v.([]float32)
}

func gen(rows, cols, stride int, data []float32) blas32.General {
	return blas32.General{Rows: rows, Cols: cols, Stride: stride, Data: data}
}
