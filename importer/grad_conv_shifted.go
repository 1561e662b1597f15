package importer

import (
	"math/bits"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
)

// backConvShifted is backConv for the windows shiftedConv takes (2-D,
// stride 1, dilation 1, one group), without im2col or col2im. As in
// shiftedConv, a chunk of k images is laid out zero-padded, ps floats
// apart, in P[C, k*ps], so that output position q (on the padded width
// Wp) of kernel tap t reads P[:, off_t + q]; the output gradient dy is
// laid out the same way in D[M, ·] (zero in the junk columns and between
// images) after a margin of maxOff = off of the last tap. Then
//
//	dW_t[M, C] += D · P[:, off_t : off_t+cols]ᵀ   (one BLAS GEMM per tap)
//	dP[C, p]    = Σ_t W_tᵀ · D[:, p - off_t]
//
// and dx is the interior of dP. Where the sgemm kernels run, the first
// is one sgemm.TapDot over all (channel, tap) windows of P instead,
// which streams D and P once rather than once per tap. The second is itself a stride-1
// convolution of D (whose margin makes p - off_t = p + off_{taps-1-t} -
// maxOff non-negative) with the transposed, flipped weights, which
// sgemm.Shifted computes in one pass (nine BLAS GEMMs on the generic
// kernel path). D being zero off the valid outputs keeps the junk out.
func backConvShifted(c *backCtx, w *window) {
	x, wt := c.in[0], c.in[1]
	gx, gw, gy := c.gin[0], c.gin[1], c.gout[0]
	N, C, M := x.Shape[0], x.Shape[1], wt.Shape[0]
	KH, KW := w.k[1], w.k[2]
	H, W := w.in[1], w.in[2]
	pt, pl := w.pb[1], w.pb[2]
	Hp, Wp := H+pt+w.pe[1], W+pl+w.pe[2]
	OH, OW := w.out[1], w.out[2]
	ps := Hp*Wp + KW - 1
	taps := KH * KW
	offs := shiftedOffsets(KH, KW, Wp)
	maxOff := offs[taps-1]
	fast := sgemm.Available() && !gradConvIm2col
	var wts []float32 // for dx: tap-major W_t[m][c] (BLAS), or packed [c][t'·M+m] = W[m][c][taps-1-t'] (sgemm)
	if gx != nil {
		wts = make([]float32, taps*M*C)
		for t := 0; t < taps; t++ {
			for m := 0; m < M; m++ {
				for ch := 0; ch < C; ch++ {
					v := wt.F[(m*C+ch)*taps+t]
					if fast {
						wts[ch*taps*M+(taps-1-t)*M+m] = v
					} else {
						wts[(t*M+m)*C+ch] = v
					}
				}
			}
		}
		if fast {
			pa := make([]float32, sgemm.PackedASize(C, taps*M))
			sgemm.PackA(C, taps*M, wts, taps*M, pa)
			wts = pa
		}
	}
	// Images per chunk: buffers of at most shiftedBackFloats floats.
	cnt := max(1, min(N, shiftedBackFloats/((2*C+M)*ps)))
	workers := min(runtime.GOMAXPROCS(0), (N+cnt-1)/cnt)
	// Chunks of equal size where they can be (128 images at most 37 at a
	// time: 4 of 32, not 3 of 37 and one of 17), so that a worker's
	// chunks share one layout and its buffers are cleared once.
	per := (N + workers - 1) / workers
	cnt = (per + (per+cnt-1)/cnt - 1) / ((per + cnt - 1) / cnt)
	partial := make([][]float32, workers) // tap-major dW of each worker
	parallel(workers, N, workers > 1, func(wi, lo, hi int) {
		ldd := maxOff + cnt*ps + sgemm.PanelN // D's row stride
		pSize := C*cnt*ps + tapDotSlack
		dSize := sgemm.ShiftedSpan(M, offs, ldd, cnt*ps)
		buf := getFloats(2*pSize + dSize)
		defer putFloats(buf)
		P, dP, D := (*buf)[:pSize], (*buf)[pSize:2*pSize], (*buf)[2*pSize:]
		var dw []float32
		var wins []int // fast: TapDot's window of each (channel, tap)
		if gw != nil {
			dw = make([]float32, taps*M*C)
			partial[wi] = dw
			if fast {
				wins = make([]int, C*taps)
			}
		}
		prevK := -1
		for b0 := lo; b0 < hi; b0 += cnt {
			k := min(cnt, hi-b0)
			ld := k * ps
			cols := (k-1)*ps + OH*Wp
			// D and P are zero off the values copied in, which land in
			// the same places for every chunk of k images: cleared when
			// k changes (the buffers come dirty from getFloats).
			fresh := k != prevK
			prevK = k
			if fresh {
				clear(D)
			}
			for j := 0; j < k; j++ {
				for m := 0; m < M; m++ {
					src := gy[((b0+j)*M+m)*OH*OW:]
					dst := D[m*ldd+maxOff+j*ps:]
					for oh := 0; oh < OH; oh++ {
						copy(dst[oh*Wp:oh*Wp+OW], src[oh*OW:(oh+1)*OW])
					}
				}
			}
			if gw != nil {
				if fresh {
					clear(P[:C*ld+tapDotSlack])
				}
				for j := 0; j < k; j++ {
					img := x.F[(b0+j)*C*H*W:]
					for ch := 0; ch < C; ch++ {
						base := ch*ld + j*ps + pt*Wp + pl
						for h := 0; h < H; h++ {
							copy(P[base+h*Wp:base+h*Wp+W], img[(ch*H+h)*W:(ch*H+h+1)*W])
						}
					}
				}
				if fast {
					for ch := 0; ch < C; ch++ {
						for t, o := range offs {
							wins[ch*taps+t] = ch*ld + o
						}
					}
					// cols rounded up to whole vectors, so that TapDot has
					// no scalar tail: D is zero there (junk columns, then
					// the row's margin) and P has the slack to read.
					sgemm.TapDot(M, (cols+tapDotSlack-1)/tapDotSlack*tapDotSlack, D[maxOff:], ldd, P, wins, dw, C*taps)
				} else {
					for t := 0; t < taps; t++ {
						blas32.Gemm(blas.NoTrans, blas.Trans, 1, gen(M, cols, ldd, D[maxOff:]), gen(C, cols, ld, P[offs[t]:]),
							1, gen(M, C, C, dw[t*M*C:]))
					}
				}
			}
			if gx == nil {
				continue
			}
			if fast {
				sgemm.Shifted(C, M, offs, wts, D, ldd, dP, ld, nil, nil, false, 0, ld)
			} else {
				clear(dP[:C*ld])
				for t := 0; t < taps; t++ {
					blas32.Gemm(blas.Trans, blas.NoTrans, 1, gen(M, C, C, wts[t*M*C:]), gen(M, cols, ldd, D[maxOff:]),
						1, gen(C, cols, ld, dP[offs[t]:]))
				}
			}
			for j := 0; j < k; j++ {
				img := gx[(b0+j)*C*H*W:]
				for ch := 0; ch < C; ch++ {
					base := ch*ld + j*ps + pt*Wp + pl
					for h := 0; h < H; h++ {
						addTo(img[(ch*H+h)*W:(ch*H+h+1)*W], dP[base+h*Wp:base+h*Wp+W])
					}
				}
			}
		}
	})
	if gw == nil {
		return
	}
	for _, dw := range partial {
		if dw == nil {
			continue
		}
		if fast { // TapDot's dw has gw's layout
			addTo(gw, dw)
			continue
		}
		for t := 0; t < taps; t++ {
			for m := 0; m < M; m++ {
				src := dw[(t*M+m)*C : (t*M+m+1)*C]
				dst := gw[m*C*taps+t:]
				for ch, v := range src {
					dst[ch*taps] += v
				}
			}
		}
	}
}

// tapDotSlack is the vector width TapDot's columns are rounded up to
// (the AVX-512 kernel's 16 lanes, a multiple of the AVX2 kernel's 8),
// and the zeroed floats P has past its last channel for it.
const tapDotSlack = 16

// gradConvIm2col forces backConv's im2col path everywhere (tests compare
// the two).
var gradConvIm2col bool

// shiftedBackFloats bounds the scratch of one backConvShifted worker (a
// variable so that tests can make several chunks of a small batch). 2 MiB
// chunks keep the row stride of D, which sgemm.Shifted's k loop crosses
// for every tap and channel, short: BenchmarkFitStepResNet20 -cpu 1 (AMD
// EPYC Zen 4, load 3) spent 4.4 CPU-s of 10 steps in backConvShifted
// with 8 MiB, 3.9 with 2 MiB, 4.0 with 1 MiB.
var shiftedBackFloats = 1 << 19

// floatPools hold scratch slices by size class: pool i has capacity
// 1<<i floats.
var floatPools [48]sync.Pool

// getFloats returns a scratch slice of n floats (contents undefined),
// reused across calls: the kernels of a training step need the same
// sizes every step.
func getFloats(n int) *[]float32 {
	i := bits.Len(uint(max(n, 1) - 1))
	if b, ok := floatPools[i].Get().(*[]float32); ok {
		*b = (*b)[:n]
		return b
	}
	b := make([]float32, n, 1<<i)
	return &b
}

// putFloats hands back a slice of getFloats.
func putFloats(b *[]float32) { floatPools[bits.Len(uint(cap(*b)-1))].Put(b) }
