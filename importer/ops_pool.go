package importer

import (
	"fmt"
	"math"
	"runtime"
	"slices"

	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
	"github.com/hierlearn/hierlearn/internal/numeric/vec"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

func sqrt32(v float32) float32 { return float32(math.Sqrt(float64(v))) }

func checkPool(n *Node) error {
	if err := checkAutoPad(n); err != nil {
		return err
	}
	if n.attrInt("storage_order", 0) != 0 {
		return fmt.Errorf("storage_order=1 is not supported")
	}
	if n.attrInts("kernel_shape") == nil {
		return fmt.Errorf("kernel_shape is required")
	}
	if n.Op == "MaxPool" && len(n.Outputs) > 1 && n.Outputs[1] != "" {
		return fmt.Errorf("the Indices output is not supported")
	}
	if n.Op == "AveragePool" && n.Opset < 19 && slices.ContainsFunc(n.attrInts("dilations"), func(d int) bool { return d != 1 }) {
		return fmt.Errorf("AveragePool dilations before opset 19")
	}
	return nil
}

// buildPool handles MaxPool and AveragePool.
func buildPool(isMax bool) buildFn {
	return func(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
		if err := wantInputs(in, 1); err != nil {
			return nil, nil, err
		}
		if err := wantFloat(in, 0); err != nil {
			return nil, nil, err
		}
		x := in[0]
		if len(x.shape) < 3 {
			return nil, nil, fmt.Errorf("input %v needs spatial dims", x.shape)
		}
		w, err := geometry(n, x.shape[2:], n.attrInts("kernel_shape"), n.attrInt("ceil_mode", 0) != 0)
		if err != nil {
			return nil, nil, err
		}
		includePad := n.attrInt("count_include_pad", 0) != 0
		out := append([]int{x.shape[0], x.shape[1]}, w.out[3-(len(x.shape)-2):]...)
		planes := x.shape[0] * x.shape[1]
		k := &kernel{run: func(in, o []*Tensor, _ []float32) {
			isz, osz := w.inSize(), w.outSize()
			forPlanes(planes, planes*osz*w.kSize(), func(lo, hi int) {
				for p := lo; p < hi; p++ {
					poolPlane(w, in[0].F[p*isz:(p+1)*isz], o[0].F[p*osz:(p+1)*osz], isMax, includePad)
				}
			})
		}}
		return []*info{{dt: Float32, shape: out}}, k, nil
	}
}

// maxPool2D is MaxPool over one 2-D plane with unit dilation. Separable:
// for each output row, the maxima over the window's input rows (whole
// rows, vectorised), laid out with the padding as -Inf; then the maxima
// over every kw consecutive columns (vectorised, at stride 1), of which
// every sw-th is kept.
func maxPool2D(w *window, src, dst []float32) {
	IH, IW := w.in[1], w.in[2]
	OH, OW := w.out[1], w.out[2]
	kh, kw, sh, sw := w.k[1], w.k[2], w.s[1], w.s[2]
	pl := w.pb[2]
	nh := (OW-1)*sw + 1              // window starts, at stride 1
	width := max(nh+kw-1, pl+IW) + 1 // padded columns, and one for vec.MaxWindow3Stride2
	var stack [1024]float32
	var buf []float32
	if 2*width <= len(stack) {
		buf = stack[:2*width]
	} else {
		buf = make([]float32, 2*width)
	}
	cm, h := buf[:width], buf[width:width+nh]
	inf := float32(math.Inf(-1))
	fill(cm[:pl], inf)
	fill(cm[pl+IW:], inf)
	in := cm[pl : pl+IW]
	for oh := 0; oh < OH; oh++ {
		h0 := oh*sh - w.pb[1]
		hs, he := max(h0, 0), min(h0+kh, IH)
		d := dst[oh*OW : (oh+1)*OW]
		if hs >= he {
			fill(d, inf)
			continue
		}
		if he-hs == 3 {
			vec.Max3(in, src[hs*IW:(hs+1)*IW], src[(hs+1)*IW:(hs+2)*IW], src[(hs+2)*IW:(hs+3)*IW])
		} else {
			copy(in, src[hs*IW:(hs+1)*IW])
			for ih := hs + 1; ih < he; ih++ {
				vec.Max(in, in, src[ih*IW:(ih+1)*IW])
			}
		}
		if kw == 3 && sw == 2 {
			vec.MaxWindow3Stride2(d, cm)
			continue
		}
		hm := cm[:nh]
		if kw > 1 {
			vec.Max(h, cm[:nh], cm[1:nh+1])
			for j := 2; j < kw; j++ {
				vec.Max(h, h, cm[j:j+nh])
			}
			hm = h
		}
		for ow := range d {
			d[ow] = hm[ow*sw]
		}
	}
}

// forPlanes runs fn over planes [0, n) split across GOMAXPROCS workers
// when the work is big enough.
func forPlanes(n, work int, fn func(lo, hi int)) {
	parallel(runtime.GOMAXPROCS(0), n, work >= minSplitCopy, func(_, lo, hi int) { fn(lo, hi) })
}

func poolPlane(w *window, src, dst []float32, isMax, includePad bool) {
	ID, IH, IW := w.in[0], w.in[1], w.in[2]
	if isMax && ID == 1 && w.k[0] == 1 && w.d[1] == 1 && w.d[2] == 1 {
		maxPool2D(w, src, dst)
		return
	}
	o := 0
	for od := 0; od < w.out[0]; od++ {
		d0 := od*w.s[0] - w.pb[0]
		for oh := 0; oh < w.out[1]; oh++ {
			h0 := oh*w.s[1] - w.pb[1]
			for ow := 0; ow < w.out[2]; ow++ {
				w0 := ow*w.s[2] - w.pb[2]
				if isMax {
					m := float32(math.Inf(-1))
					for kd := 0; kd < w.k[0]; kd++ {
						id := d0 + kd*w.d[0]
						if id < 0 || id >= ID {
							continue
						}
						for kh := 0; kh < w.k[1]; kh++ {
							ih := h0 + kh*w.d[1]
							if ih < 0 || ih >= IH {
								continue
							}
							row := src[(id*IH+ih)*IW:]
							for kw := 0; kw < w.k[2]; kw++ {
								iw := w0 + kw*w.d[2]
								if iw >= 0 && iw < IW {
									m = max(m, row[iw]) // NaN propagates, as in maxPool2D
								}
							}
						}
					}
					dst[o] = m
				} else if w.d[0] != 1 || w.d[1] != 1 || w.d[2] != 1 {
					dst[o] = dilatedAverage(w, src, d0, h0, w0, includePad)
				} else {
					// Window clipped to the padded input, then to the input.
					de, he, we := min(d0+w.k[0], ID+w.pe[0]), min(h0+w.k[1], IH+w.pe[1]), min(w0+w.k[2], IW+w.pe[2])
					padCount := (de - d0) * (he - h0) * (we - w0)
					ds, hs, ws := max(d0, 0), max(h0, 0), max(w0, 0)
					de, he, we = min(de, ID), min(he, IH), min(we, IW)
					var s float32
					for id := ds; id < de; id++ {
						for ih := hs; ih < he; ih++ {
							row := src[(id*IH+ih)*IW:]
							for iw := ws; iw < we; iw++ {
								s += row[iw]
							}
						}
					}
					cnt := (de - ds) * (he - hs) * (we - ws)
					if includePad {
						cnt = padCount
					}
					if cnt > 0 {
						dst[o] = s / float32(cnt)
					} else {
						dst[o] = 0
					}
				}
				o++
			}
		}
	}
}

// dilatedWindow lists, into taps (reused), the offsets of the dilated
// window starting at (d0, h0, w0) that fall inside the input, and returns
// AveragePool's divisor: their number, or with includePad the number of
// taps inside the padded input (taps past the padding, from ceil_mode,
// never count), as in ONNX's reference.
func dilatedWindow(w *window, d0, h0, w0 int, includePad bool, taps []int) ([]int, int) {
	ID, IH, IW := w.in[0], w.in[1], w.in[2]
	taps = taps[:0]
	padCnt := 0
	for kd := 0; kd < w.k[0]; kd++ {
		id := d0 + kd*w.d[0]
		if id >= ID+w.pe[0] {
			break
		}
		for kh := 0; kh < w.k[1]; kh++ {
			ih := h0 + kh*w.d[1]
			if ih >= IH+w.pe[1] {
				break
			}
			for kw := 0; kw < w.k[2]; kw++ {
				iw := w0 + kw*w.d[2]
				if iw >= IW+w.pe[2] {
					break
				}
				padCnt++
				if id >= 0 && id < ID && ih >= 0 && ih < IH && iw >= 0 && iw < IW {
					taps = append(taps, (id*IH+ih)*IW+iw)
				}
			}
		}
	}
	if includePad {
		return taps, padCnt
	}
	return taps, len(taps)
}

// dilatedAverage is AveragePool's value for the dilated window starting at
// (d0, h0, w0).
func dilatedAverage(w *window, src []float32, d0, h0, w0 int, includePad bool) float32 {
	var buf [64]int
	taps, cnt := dilatedWindow(w, d0, h0, w0, includePad, buf[:0])
	if cnt == 0 {
		return 0
	}
	var s float32
	for _, i := range taps {
		s += src[i]
	}
	return s / float32(cnt)
}

// buildGlobalPool handles GlobalAveragePool and GlobalMaxPool.
func buildGlobalPool(isMax bool) buildFn {
	return func(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
		if err := wantInputs(in, 1); err != nil {
			return nil, nil, err
		}
		if err := wantFloat(in, 0); err != nil {
			return nil, nil, err
		}
		x := in[0]
		if len(x.shape) < 2 {
			return nil, nil, fmt.Errorf("input %v needs a channel dim", x.shape)
		}
		out := []int{x.shape[0], x.shape[1]}
		for range x.shape[2:] {
			out = append(out, 1)
		}
		plane := numel(x.shape[2:])
		k := &kernel{run: func(in, o []*Tensor, _ []float32) {
			for p := range o[0].F {
				s := in[0].F[p*plane : (p+1)*plane]
				if isMax {
					m := float32(math.Inf(-1))
					for _, v := range s {
						m = max(m, v) // NaN propagates, as in MaxPool
					}
					o[0].F[p] = m
				} else {
					o[0].F[p] = vec.Sum(s) / float32(plane)
				}
			}
		}}
		return []*info{{dt: Float32, shape: out}}, k, nil
	}
}

func buildGemm(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0, 1, 2); err != nil {
		return nil, nil, err
	}
	a, b, c := in[0], in[1], input(in, 2)
	if len(a.shape) != 2 || len(b.shape) != 2 {
		return nil, nil, fmt.Errorf("A %v and B %v must be matrices", a.shape, b.shape)
	}
	ta, tb := n.attrInt("transA", 0) != 0, n.attrInt("transB", 0) != 0
	alpha, beta := n.attrFloat("alpha", 1), n.attrFloat("beta", 1)
	M, K := a.shape[0], a.shape[1]
	if ta {
		M, K = K, M
	}
	K2, N := b.shape[0], b.shape[1]
	if tb {
		K2, N = N, K2
	}
	if K != K2 {
		return nil, nil, fmt.Errorf("A %v and B %v do not multiply (transA=%v, transB=%v)", a.shape, b.shape, ta, tb)
	}
	out := []int{M, N}
	var bc *bcast
	if c != nil {
		s, err := broadcastShape(out, c.shape)
		if err != nil || !sameShape(s, out) {
			return nil, nil, fmt.Errorf("C %v does not broadcast to %v", c.shape, out)
		}
		bc = newBcast(out, c.shape)
	}
	relu := n.fuseRelu
	tA, tB := blas.NoTrans, blas.NoTrans
	if ta {
		tA = blas.Trans
	}
	if tb {
		tB = blas.Trans
	}
	workers := env.workers()
	// Constant B (a classifier's weights), A not transposed: packed once
	// (with alpha) for sgemm.Packed, A packed per run into scratch.
	var pb []float32
	if env.packed() && b.c != nil && !ta && M > 0 && N > 0 && K > 0 {
		pb = packedGemmB(n, b.c, K, N, tb, alpha)
	}
	k := &kernel{run: func(in, o []*Tensor, sc []float32) {
		d := o[0].F
		betaG := float32(0)
		if bc != nil && beta != 0 {
			cv := in[2].F
			bc.rows(func(oi int, offs []int, n int, st []int) {
				for i := 0; i < n; i++ {
					d[oi+i] = beta * cv[offs[0]+i*st[0]]
				}
			})
			betaG = 1
		}
		if pb != nil {
			pa := sc[:sgemm.PackedASize(M, K)]
			sgemm.PackA(M, K, in[0].F, K, pa)
			panels := (N + sgemm.PanelN - 1) / sgemm.PanelN
			parallel(workers, panels, M*N*K >= minSplitMACs/4, func(_, p0, p1 int) {
				sgemm.Packed(M, N, K, pa, pb, d, N, nil, betaG != 0, relu, p0*sgemm.PanelN, min(N, p1*sgemm.PanelN))
			})
			return
		}
		if M > 0 && N > 0 && K > 0 {
			// Output columns split over the workers (in multiples of 16):
			// a batch-1 classifier layer is a matrix-vector product
			// bound by reading B.
			av := blas32.General{Rows: a.shape[0], Cols: a.shape[1], Stride: a.shape[1], Data: in[0].F}
			parallel(workers, (N+15)/16, M*N*K >= minSplitMACs/4, func(_, lo, hi int) {
				lo, hi = lo*16, min(N, hi*16)
				bv := blas32.General{Rows: b.shape[0], Cols: hi - lo, Stride: b.shape[1], Data: in[1].F[lo:]}
				if tb {
					bv = blas32.General{Rows: hi - lo, Cols: b.shape[1], Stride: b.shape[1], Data: in[1].F[lo*b.shape[1]:]}
				}
				blas32.Gemm(tA, tB, alpha, av, bv, betaG, blas32.General{Rows: M, Cols: hi - lo, Stride: N, Data: d[lo:]})
			})
		} else if betaG == 0 {
			clear(d)
		}
		if relu {
			reluInPlace(d)
		}
	}}
	if pb != nil {
		k.scratch = sgemm.PackedASize(M, K)
	}
	return []*info{{dt: Float32, shape: out}}, k, nil
}

// gemmKey keys a Gemm's packed constant B in Node.cache.
type gemmKey struct{ b *Tensor }

// packedGemmB returns alpha·op(B) (K×N; op transposes when tb) packed for
// sgemm.Packed, cached on the node.
func packedGemmB(n *Node, b *Tensor, K, N int, tb bool, alpha float32) []float32 {
	key := gemmKey{b}
	if v, ok := n.cache.Load(key); ok {
		return v.([]float32)
	}
	kn := make([]float32, K*N)
	for k := 0; k < K; k++ {
		for j := 0; j < N; j++ {
			v := b.F[k*N+j]
			if tb {
				v = b.F[j*K+k]
			}
			kn[k*N+j] = alpha * v
		}
	}
	pb := make([]float32, sgemm.PackedBSize(K, N))
	sgemm.PackBRows(K, N, 0, K, kn, N, pb)
	v, _ := n.cache.LoadOrStore(key, pb)
	return v.([]float32)
}
