package importer

import (
	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
	"github.com/hierlearn/hierlearn/internal/numeric/vec"
)

// usePackedConv reports whether buildConv should use packedConv.
func usePackedConv(env *buildEnv, g int, wt, b *info) bool {
	return env.packed() && g == 1 && wt.c != nil && (b == nil || b.c != nil)
}

// packedKey keys the packed weights in Node.cache.
type packedKey struct{ wt *Tensor }

// packedWeights returns the packed form of the M×K weight matrix, cached
// on the node (it lives as long as the model).
func packedWeights(n *Node, wt *Tensor, M, K int) []float32 {
	key := packedKey{wt}
	if v, ok := n.cache.Load(key); ok {
		return v.([]float32)
	}
	pa := make([]float32, sgemm.PackedASize(M, K))
	sgemm.PackA(M, K, wt.F, K, pa)
	v, _ := n.cache.LoadOrStore(key, pa)
	return v.([]float32)
}

// packedConv computes a convolution as C[M × cols] = W[M × K] · col[K × cols]
// with sgemm.Packed, K = C·kh·kw. Images whose output is small are
// stacked along the columns (then the product goes through a temporary
// and is copied out per image); otherwise the kernel writes each image's
// output in place. With res, input 3 (same shape as the output) is added
// before the ReLU: copied into the output first and accumulated onto, or
// added as the temporary is copied out.
func packedConv(n *Node, w *window, N, C, M int, wt *Tensor, bias *info, relu, res bool, workers int) *kernel {
	ks := w.kSize()
	K := C * ks
	ohw, ihw := w.outSize(), w.inSize()
	pa := packedWeights(n, wt, M, K)
	var bv []float32
	if bias != nil {
		bv = bias.c.F
	}
	nb := 1
	if ohw < 512 {
		nb = min(N, (512+ohw-1)/ohw)
	}
	for nb > 1 && nb*ohw*(K+M) > 1<<24 {
		nb--
	}
	nb = balancedChunk(N, nb, workers)
	ncols := nb * ohw
	bSize := sgemm.PackedBSize(K, ncols)
	rowSize := ncols // one im2col row
	tmpSize := 0
	if nb > 1 {
		tmpSize = M * ncols
	}
	per := bSize + workers*rowSize + tmpSize
	return &kernel{scratch: chunkScratch(N, nb, workers, per), run: func(in, o []*Tensor, sc []float32) {
		src, dst := in[0].F, o[0].F
		chunked(N, nb, workers, per, sc, func(b0, cnt int, sc []float32, workers int) {
			pb := sc[:bSize]
			rows := sc[bSize : bSize+workers*rowSize]
			tmp := sc[bSize+workers*rowSize : per]
			cols := cnt * ohw
			// Pack the im2col matrix of images b0..b0+cnt one row at a
			// time (through a row buffer that stays in cache), channels
			// split over the workers.
			parallel(workers, C, K*cols >= minSplitCopy, func(wi, c0, c1 int) {
				rb := rows[wi*rowSize : wi*rowSize+cols]
				for c := c0; c < c1; c++ {
					for t := 0; t < ks; t++ {
						kd, kh, kw := t/(w.k[1]*w.k[2]), t/w.k[2]%w.k[1], t%w.k[2]
						for j := 0; j < cnt; j++ {
							plane := src[((b0+j)*C+c)*ihw : ((b0+j)*C+c+1)*ihw]
							w.im2colTap(plane, kd, kh, kw, rb[j*ohw:(j+1)*ohw])
						}
						sgemm.PackBRows(K, cols, c*ks+t, 1, rb, cols, pb)
					}
				}
			})
			out, ldc := dst[b0*M*ohw:(b0+1)*M*ohw], ohw
			resid := sliceFrom(residualOf(in), b0*M*ohw)
			acc, kRelu := false, relu
			if cnt > 1 {
				out, ldc = tmp[:M*cols], cols
				kRelu = relu && !res
			} else if res {
				parallel(workers, M, M*ohw >= minSplitCopy, func(_, lo, hi int) {
					copy(out[lo*ohw:hi*ohw], resid[lo*ohw:hi*ohw])
				})
				acc = true
			}
			panels := (cols + sgemm.PanelN - 1) / sgemm.PanelN
			splitGemm(workers, M, panels, M*K*cols >= minSplitMACs, func(m0, m1, p0, p1 int) {
				sgemm.Packed(m1-m0, cols, K, pa[m0*K:], pb, out[m0*ldc:], ldc, sliceFrom(bv, m0), acc, kRelu,
					p0*sgemm.PanelN, min(cols, p1*sgemm.PanelN))
			})
			if cnt > 1 {
				parallel(workers, cnt*M, cnt*M*ohw >= minSplitCopy, func(_, lo, hi int) {
					for u := lo; u < hi; u++ {
						j, m := u/M, u%M
						d := dst[((b0+j)*M+m)*ohw : ((b0+j)*M+m+1)*ohw]
						t := tmp[m*cols+j*ohw : m*cols+(j+1)*ohw]
						storeRow(d, t, sliceFrom(resid, (j*M+m)*ohw), relu)
					}
				})
			}
		})
	}}
}

// shiftedKey keys the tap-major packed weights in Node.cache.
type shiftedKey struct{ wt *Tensor }

// tapMajorWeights writes the M×C×taps weights w as the M×(taps·C) matrix
// dst whose columns run tap-major (column t·C+c), the A operand of
// sgemm.Shifted.
func tapMajorWeights(dst, w []float32, M, C, taps int) {
	K := C * taps
	for m := 0; m < M; m++ {
		for c := 0; c < C; c++ {
			for t := 0; t < taps; t++ {
				dst[m*K+t*C+c] = w[(m*C+c)*taps+t]
			}
		}
	}
}

// shiftedOffsets returns, for each tap of a KH×KW kernel, its offset into
// a zero-padded plane of row width Wp (the shifts sgemm.Shifted reads).
func shiftedOffsets(KH, KW, Wp int) []int {
	offs := make([]int, KH*KW)
	for t := range offs {
		offs[t] = (t/KW)*Wp + t%KW
	}
	return offs
}

// shiftedWeights returns W'[m][t·C+c] = W[m][c][t] packed for sgemm,
// cached on the node.
func shiftedWeights(n *Node, wt *Tensor, M, C, taps int) []float32 {
	key := shiftedKey{wt}
	if v, ok := n.cache.Load(key); ok {
		return v.([]float32)
	}
	K := C * taps
	tm := make([]float32, M*K)
	tapMajorWeights(tm, wt.F, M, C, taps)
	pa := make([]float32, sgemm.PackedASize(M, K))
	sgemm.PackA(M, K, tm, K, pa)
	v, _ := n.cache.LoadOrStore(key, pa)
	return v.([]float32)
}

// shiftedPackedConv is shiftedConv (same zero-padded input P, same output
// laid out with the padded width) with all kernel taps summed inside one
// sgemm.Shifted micro-kernel call per output tile, reading P in place:
// no im2col, no packing of the input, and the output tile is written once
// (with bias and ReLU) instead of once per tap. With res, input 3 (same
// shape as the output) is added as the output is copied out, then ReLU.
func shiftedPackedConv(n *Node, w *window, N, C, M int, wt *Tensor, bias *info, relu, res bool, workers int) *kernel {
	KH, KW := w.k[1], w.k[2]
	H, W := w.in[1], w.in[2]
	pt, pl := w.pb[1], w.pb[2]
	Hp, Wp := H+w.pb[1]+w.pe[1], W+w.pb[2]+w.pe[2]
	OH, OW := w.out[1], w.out[2]
	ps := Hp*Wp + KW - 1
	taps := KH * KW
	offs := shiftedOffsets(KH, KW, Wp)
	pa := shiftedWeights(n, wt, M, C, taps)
	var bv []float32
	if bias != nil {
		bv = bias.c.F
	}
	nb := 1
	if OH*Wp < stackCols {
		nb = min(N, (stackCols+OH*Wp-1)/(OH*Wp))
	}
	cols := func(cnt int) int { return (cnt-1)*ps + OH*Wp }
	// The temporary output's rows are whole panels: no edge tiles.
	padded := wholePanels
	pSize := sgemm.ShiftedSpan(C, offs, nb*ps, padded(cols(nb))) // as run reads it: whole panels
	per := pSize + M*padded(cols(nb))
	scratch := chunkScratch(N, nb, workers, per)
	var band *bandConv
	if N == 1 && workers > 1 && OH >= 2 && M*C*taps <= maxBandWeights && M*C*taps*OH*Wp >= minSplitMACs {
		band = newBandConv(C, H, W, M, OH, OW, pt, pl, Wp, KH, offs, pa, bv, relu, res, min(workers, numCPU))
		// Each band's product is rounded up to whole panels: with few
		// rows (an 8x8 output in two bands of four) that wastes more than
		// the split saves.
		if band.bands()*band.nc*20 > padded(OH*Wp)*23 {
			band = nil
		} else {
			scratch = max(scratch, band.scratch())
		}
	}
	return &kernel{scratch: scratch, run: func(in, o []*Tensor, sc []float32) {
		src, dst := in[0].F, o[0].F
		if band != nil {
			band.run(src, dst, residualOf(in), sc)
			return
		}
		chunked(N, nb, workers, per, sc, func(b0, cnt int, sc []float32, workers int) {
			ld := cnt * ps
			nc := padded(cols(cnt))
			P := sc[:sgemm.ShiftedSpan(C, offs, ld, nc)]
			tmp := sc[pSize : pSize+M*nc]
			parallel(workers, C, C*ld >= minSplitCopy, func(_, c0, c1 int) {
				for c := c0; c < c1; c++ {
					row := P[c*ld : min(len(P), (c+1)*ld)]
					clear(row)
					for j := 0; j < cnt; j++ {
						img := src[((b0+j)*C+c)*H*W : ((b0+j)*C+c+1)*H*W]
						base := j*ps + pt*Wp + pl
						for h := 0; h < H; h++ {
							copy(row[base+h*Wp:base+h*Wp+W], img[h*W:(h+1)*W])
						}
					}
				}
			})
			clear(P[min(len(P), C*ld):]) // read slack after the last channel
			if cnt == 1 && directRows(OW, M*nc) {
				o := b0 * M * OH * OW
				shiftedDirect(workers, M, C, OH, OW, Wp, offs, pa, bv, P, ld, dst[o:o+M*OH*OW], sliceFrom(residualOf(in), o), relu)
				return
			}
			panels := (nc + sgemm.PanelN - 1) / sgemm.PanelN
			splitGemm(workers, M, panels, M*C*taps*nc >= minSplitMACs, func(m0, m1, p0, p1 int) {
				sgemm.Shifted(m1-m0, C, offs, pa[m0*C*taps:], P, ld, tmp[m0*nc:], nc, sliceFrom(bv, m0), nil, relu && !res,
					p0*sgemm.PanelN, min(nc, p1*sgemm.PanelN))
			})
			resid := residualOf(in)
			parallel(workers, cnt*M, cnt*M*OH*OW >= minSplitCopy, func(_, lo, hi int) {
				for u := lo; u < hi; u++ {
					j, m := u/M, u%M
					o := ((b0+j)*M + m) * OH * OW
					for oh := 0; oh < OH; oh++ {
						d := dst[o+oh*OW : o+(oh+1)*OW]
						t := tmp[m*nc+j*ps+oh*Wp : m*nc+j*ps+oh*Wp+OW]
						storeRow(d, t, sliceFrom(resid, o+oh*OW), relu)
					}
				}
			})
		})
	}}
}

// splitGemm runs a GEMM with M rows and the given number of column panels
// on up to workers goroutines (when big): over column panels when there
// are enough of them, else over row panels, so that each worker reads
// only its share of the weights (batch-1 layers with few output pixels).
// fn gets rows [m0, m1) (m0 a multiple of sgemm.PanelM) and panels
// [p0, p1).
func splitGemm(workers, M, panels int, big bool, fn func(m0, m1, p0, p1 int)) {
	mp := (M + sgemm.PanelM - 1) / sgemm.PanelM
	if panels >= 4*workers || mp < 2*workers {
		parallel(workers, panels, big, func(_, p0, p1 int) { fn(0, M, p0, p1) })
		return
	}
	parallel(workers, mp, big, func(_, i0, i1 int) {
		fn(i0*sgemm.PanelM, min(M, i1*sgemm.PanelM), 0, panels)
	})
}

// directRows reports whether a sgemm.Shifted convolution with output
// width OW, whose product laid out with the padded width would take
// tmpFloats, writes its output rows in place instead (shiftedDirect):
// when the kernel's 48- and 32-wide tiles cover OW exactly (a multiple
// of 16, at least 32), so that no junk column is computed, and the
// product would not stay in cache until it is copied out (resnet18's
// stem: 3.3 MB; measured 18% faster in place). Small products (the
// first stage of a CIFAR ResNet: 70 KB) were faster as one wide product
// than as one narrow product per output row.
func directRows(OW, tmpFloats int) bool {
	return OW >= 32 && OW%16 == 0 && tmpFloats >= minDirectTmp
}

// minDirectTmp is directRows' threshold (1 MB, half this CPU's L2); a
// variable so that tests can route small convolutions in place.
var minDirectTmp = 1 << 18

// shiftedDirect computes one image of a sgemm.Shifted convolution
// straight into out (M×OH×OW): output row oh is columns [0, OW) of the
// product whose B starts at P[oh·rw] (rw: the padded input's row
// width). Rows are split over the workers. A residual (resid, out's
// shape; nil for none) is added as the output is stored.
func shiftedDirect(workers, M, C, OH, OW, rw int, offs []int, pa, bias, P []float32, ld int, out, resid []float32, relu bool) {
	plane := OH * OW
	parallel(workers, OH, M*C*len(offs)*plane >= minSplitMACs, func(_, lo, hi int) {
		for oh := lo; oh < hi; oh++ {
			sgemm.Shifted(M, C, offs, pa, P[oh*rw:], ld, out[oh*OW:], plane, bias, sliceFrom(resid, oh*OW), relu, 0, OW)
		}
	})
}

// wholePanels rounds n columns up to whole sgemm panels.
func wholePanels(n int) int { return (n + sgemm.PanelN - 1) / sgemm.PanelN * sgemm.PanelN }

// residualOf returns the tensor a convolution fused with a residual Add
// adds (its input 3), or nil.
func residualOf(in []*Tensor) []float32 {
	if len(in) > 3 && in[3] != nil {
		return in[3].F
	}
	return nil
}

// storeRow stores an output row d from the product row t: with a
// residual row r, d = t + r, then ReLU if relu; without (r nil), a copy
// (the product's kernel applied any ReLU).
func storeRow(d, t, r []float32, relu bool) {
	switch {
	case r == nil:
		copy(d, t)
	case relu:
		vec.AddReLU(d, t, r)
	default:
		vec.Add(d, t, r)
	}
}

// sliceFrom returns s[off:], or nil when s is nil (no bias, no residual).
func sliceFrom(s []float32, off int) []float32 {
	if s == nil {
		return nil
	}
	return s[off:]
}

// stackCols: shiftedPackedConv stacks images along the columns only when
// one image's output (with the padded width) is narrower than this.
// Stacking lengthens the stride between B's rows (one channel row holds
// all stacked images), which costs more than the wider GEMM gains:
// measured on resnet18 and ResNet-20 at batch 8, not stacking was fastest.
const stackCols = sgemm.PanelN

// chunked runs chunk over a batch of N images in chunks of nb: when there
// are several chunks and workers, the chunks are split over the workers
// (batch parallelism: one goroutine per worker for the whole batch, each
// with its own per floats of sc and a single-threaded chunk), else the
// chunks run one after the other, each with all the workers.
func chunked(N, nb, workers, per int, sc []float32, chunk func(b0, cnt int, sc []float32, workers int)) {
	n := (N + nb - 1) / nb
	if workers < 2 || n < 2 {
		for b0 := 0; b0 < N; b0 += nb {
			chunk(b0, min(nb, N-b0), sc[:per], workers)
		}
		return
	}
	parallel(workers, n, true, func(wi, lo, hi int) {
		for i := lo; i < hi; i++ {
			chunk(i*nb, min(nb, N-i*nb), sc[wi*per:(wi+1)*per], 1)
		}
	})
}

// chunkScratch is the scratch chunked needs.
func chunkScratch(N, nb, workers, per int) int {
	return per * max(1, min(workers, (N+nb-1)/nb))
}

// Below these sizes a single image's work is not split over goroutines:
// waking a second thread costs more than it saves. minSplitMACs (4M
// multiply-adds, about 30 µs on one core) keeps every conv of a batch-1
// ResNet-20 on one thread (two threads were 1.3x slower than one), and
// splits every conv of resnet18.
const (
	minSplitMACs = 1 << 20
	minSplitCopy = 1 << 13 // floats copied by im2col, padding or copy-out
)

// minShiftedOut: stride-1 convolutions with fewer output pixels per image
// than this (resnet18's 7×7 last stage) go through im2col and
// sgemm.Packed, stacking the batch's images along the columns, instead of
// sgemm.Shifted: a 7×7 output laid out with the padded width is 63
// columns, computed as two 32-wide tiles (49 useful of 64) by the
// narrower micro-kernel; stacked and packed, 8 images are 392 columns of
// 416. Measured on resnet18 at batch 8, one thread: 3-4% less CPU time.
// With a single image there is nothing to stack, and Shifted was faster
// (resnet18's 7×7 convs at batch 1: 8% on one thread, 25% on two), so
// batch 1 always takes Shifted. 8×8 outputs (ResNet-20's last stage)
// measured slower through Packed. A variable so that tests can route
// every convolution through Shifted.
var minShiftedOut = 64

// balancedChunk returns the chunk size up to nb that gives chunked's
// busiest worker the fewest images (the biggest such size): 8 images in
// chunks of 3 over 2 workers leave one worker 5 of them, chunks of 2 give
// each 4. A batch that fits one chunk stays whole (its product is split
// instead).
func balancedChunk(N, nb, workers int) int {
	if workers < 2 || nb <= 1 || nb >= N {
		return nb
	}
	best, bestLoad := nb, chunkLoad(N, nb, workers)
	for b := nb - 1; b >= 1; b-- {
		if l := chunkLoad(N, b, workers); l < bestLoad {
			best, bestLoad = b, l
		}
	}
	return best
}

// chunkLoad is the most images chunked gives one worker for N images in
// chunks of nb.
func chunkLoad(N, nb, workers int) int {
	n := (N + nb - 1) / nb
	w := min(workers, n)
	load := 0
	for i := 0; i < w; i++ {
		lo, hi := i*n/w, (i+1)*n/w
		load = max(load, min(N, hi*nb)-lo*nb)
	}
	return load
}
