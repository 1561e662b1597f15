package importer

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// window is the geometry of a convolution or pooling over up to three
// spatial dimensions; lower-rank inputs are padded in front with size-1
// dims so that one 3-D code path serves 1-D, 2-D and 3-D.
type window struct {
	in, out, k, s, d, pb, pe [3]int
}

func checkAutoPad(n *Node) error {
	switch p := n.attrString("auto_pad", "NOTSET"); p {
	case "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID":
		return nil
	default:
		return fmt.Errorf("auto_pad %q", p)
	}
}

// geometry computes the output size of a sliding window over spatial
// (the input's trailing dims) with kernel k, following the ONNX
// attributes strides, dilations, pads, auto_pad and ceil_mode.
func geometry(n *Node, spatial, k []int, ceil bool) (*window, error) {
	r := len(spatial)
	if r < 1 || r > 3 {
		return nil, fmt.Errorf("%d spatial dims (1 to 3 are supported)", r)
	}
	if len(k) != r {
		return nil, fmt.Errorf("kernel %v for %d spatial dims", k, r)
	}
	strides, dil, pads := n.attrInts("strides"), n.attrInts("dilations"), n.attrInts("pads")
	if strides == nil {
		strides = ones(r)
	}
	if dil == nil {
		dil = ones(r)
	}
	if pads == nil {
		pads = make([]int, 2*r)
	}
	if len(strides) != r || len(dil) != r || len(pads) != 2*r {
		return nil, fmt.Errorf("strides %v, dilations %v, pads %v do not fit %d spatial dims", strides, dil, pads, r)
	}
	w := &window{}
	for i := range w.in {
		w.in[i], w.out[i], w.k[i], w.s[i], w.d[i] = 1, 1, 1, 1, 1
	}
	autoPad := n.attrString("auto_pad", "NOTSET")
	off := 3 - r
	for i := 0; i < r; i++ {
		in, kk, s, d := spatial[i], k[i], strides[i], dil[i]
		if kk < 1 || s < 1 || d < 1 || pads[i] < 0 || pads[r+i] < 0 {
			return nil, fmt.Errorf("kernel %v, strides %v, dilations %v, pads %v must be positive", k, strides, dil, pads)
		}
		ek := d*(kk-1) + 1
		pb, pe := pads[i], pads[r+i]
		var out int
		switch autoPad {
		case "SAME_UPPER", "SAME_LOWER":
			out = (in + s - 1) / s
			total := max(0, (out-1)*s+ek-in)
			if autoPad == "SAME_UPPER" {
				pb, pe = total/2, total-total/2
			} else {
				pb, pe = total-total/2, total/2
			}
		case "VALID":
			pb, pe = 0, 0
			out = (in-ek)/s + 1
			if in < ek {
				out = 0
			}
		default:
			span := in + pb + pe - ek
			if span < 0 {
				return nil, fmt.Errorf("%w: kernel %v larger than padded input %v", ErrShape, k, spatial)
			}
			out = span/s + 1
			if ceil {
				out = (span+s-1)/s + 1
				if (out-1)*s >= in+pb {
					out--
				}
			}
		}
		if out < 1 {
			return nil, fmt.Errorf("empty output for input %v, kernel %v", spatial, k)
		}
		j := off + i
		w.in[j], w.out[j], w.k[j], w.s[j], w.d[j], w.pb[j], w.pe[j] = in, out, kk, s, d, pb, pe
	}
	return w, nil
}

func ones(n int) []int {
	o := make([]int, n)
	for i := range o {
		o[i] = 1
	}
	return o
}

func (w *window) inSize() int  { return w.in[0] * w.in[1] * w.in[2] }
func (w *window) outSize() int { return w.out[0] * w.out[1] * w.out[2] }
func (w *window) kSize() int   { return w.k[0] * w.k[1] * w.k[2] }

func (w *window) pointwise() bool {
	for i := 0; i < 3; i++ {
		if w.k[i] != 1 || w.s[i] != 1 || w.pb[i] != 0 || w.pe[i] != 0 {
			return false
		}
	}
	return true
}

// im2col writes the patches of one image (C planes of w.in) into col:
// row (c, kd, kh, kw), column colOff + output position, row stride ldc.
// Channels are split over up to `workers` goroutines.
func (w *window) im2col(src []float32, c int, col []float32, ldc, colOff, workers int) {
	if workers <= 1 || c < 2 || c*w.kSize()*w.outSize() < 1<<16 {
		w.im2colRange(src, 0, c, col, ldc, colOff)
		return
	}
	workers = min(workers, c)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		lo, hi := i*c/workers, (i+1)*c/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.im2colRange(src, lo, hi, col, ldc, colOff)
		}()
	}
	wg.Wait()
}

func (w *window) im2colRange(src []float32, c0, c1 int, col []float32, ldc, colOff int) {
	plane := w.inSize()
	n := w.outSize()
	row := c0 * w.kSize()
	for ch := c0; ch < c1; ch++ {
		s := src[ch*plane : (ch+1)*plane]
		for kd := 0; kd < w.k[0]; kd++ {
			for kh := 0; kh < w.k[1]; kh++ {
				for kw := 0; kw < w.k[2]; kw++ {
					w.im2colTap(s, kd, kh, kw, col[row*ldc+colOff:row*ldc+colOff+n])
					row++
				}
			}
		}
	}
}

// validCols returns the output columns [lo, hi) whose input column for
// kernel column kw lies inside the input (not in the padding).
func (w *window) validCols(kw int) (lo, hi int) {
	IW, OW, sw := w.in[2], w.out[2], w.s[2]
	iw0 := kw*w.d[2] - w.pb[2]
	lo, hi = 0, OW
	for lo < OW && iw0+lo*sw < 0 {
		lo++
	}
	for hi > lo && iw0+(hi-1)*sw >= IW {
		hi--
	}
	return lo, hi
}

// im2colTap writes the im2col row of kernel tap (kd, kh, kw) of one
// channel plane s into dst (one element per output position).
func (w *window) im2colTap(s []float32, kd, kh, kw int, dst []float32) {
	ID, IH, IW := w.in[0], w.in[1], w.in[2]
	OD, OH, OW := w.out[0], w.out[1], w.out[2]
	sw := w.s[2]
	iw0 := kw*w.d[2] - w.pb[2]
	lo, hi := w.validCols(kw)
	p := 0
	for od := 0; od < OD; od++ {
		id := od*w.s[0] - w.pb[0] + kd*w.d[0]
		for oh := 0; oh < OH; oh++ {
			ih := oh*w.s[1] - w.pb[1] + kh*w.d[1]
			d := dst[p : p+OW : p+OW]
			p += OW
			if id < 0 || id >= ID || ih < 0 || ih >= IH {
				clear(d)
				continue
			}
			for i := 0; i < lo; i++ {
				d[i] = 0
			}
			for i := hi; i < OW; i++ {
				d[i] = 0
			}
			if lo >= hi {
				continue
			}
			base := (id*IH+ih)*IW + iw0
			if sw == 1 {
				copy(d[lo:hi], s[base+lo:base+hi])
			} else {
				sr := s[base+lo*sw : base+(hi-1)*sw+1]
				dd := d[lo:hi]
				for i := range dd {
					dd[i] = sr[i*sw]
				}
			}
		}
	}
}

func checkConv(n *Node) error { return checkAutoPad(n) }

// convParams is a Conv with its weights (BatchNormalization may have been
// folded into them at load time).
func buildConv(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0, 1, 2); err != nil {
		return nil, nil, err
	}
	x, wt, b := in[0], in[1], input(in, 2)
	if len(x.shape) < 3 || len(wt.shape) != len(x.shape) {
		return nil, nil, fmt.Errorf("input %v and weight %v ranks", x.shape, wt.shape)
	}
	g := int(n.attrInt("group", 1))
	N, C, M := x.shape[0], x.shape[1], wt.shape[0]
	if g < 1 || C%g != 0 || M%g != 0 || wt.shape[1] != C/g {
		return nil, nil, fmt.Errorf("input %v, weight %v and group %d do not fit", x.shape, wt.shape, g)
	}
	if b != nil && (len(b.shape) != 1 || b.shape[0] != M) {
		return nil, nil, fmt.Errorf("bias %v for %d output channels", b.shape, M)
	}
	ks := wt.shape[2:]
	if k := n.attrInts("kernel_shape"); k != nil && !sameShape(k, ks) {
		return nil, nil, fmt.Errorf("kernel_shape %v but weight %v", k, wt.shape)
	}
	w, err := geometry(n, x.shape[2:], ks, false)
	if err != nil {
		return nil, nil, err
	}
	out := append([]int{N, M}, w.out[3-len(ks):]...)
	if usePackedConv(env, g, wt, b) {
		conv := packedConv
		pointwise := false
		switch {
		case !env.opt.NoShiftedConv && env.winograd() && w.winogradSuits(N, C, M):
			conv = winogradConv
		case !env.opt.NoShiftedConv && w.shiftable() && (w.outSize() >= minShiftedOut || N == 1):
			conv = shiftedPackedConv
		case !env.opt.NoShiftedConv && w.phaseSuits():
			conv = phaseConv
		// 1x1: in place, unless a small output stacks better over the
		// batch; 7×7 (49 = 48 + 1 columns by gemvColumn) does not.
		case !env.opt.NoShiftedConv && w.pointwiseSuits() && (w.outSize() >= minShiftedOut || N == 1 || gemvTail(w.outSize()) > 0):
			conv, pointwise = pointwiseConv, true
		}
		workers := env.workers()
		k := conv(n, w, N, C, M, wt.c, b, n.fuseRelu, false, workers)
		k.residual = func(relu bool) *kernel { return conv(n, w, N, C, M, wt.c, b, relu, true, workers) }
		k.activated = func(a activation) *kernel { return postActivation(k, a, workers) }
		if pointwise {
			k.activated = func(a activation) *kernel { return pointwiseAct(n, w, N, C, M, wt.c, b, n.fuseRelu, false, a, workers) }
		}
		return []*info{{dt: Float32, shape: out}}, k, nil
	}
	if !env.opt.NoShiftedConv && env.packed() && g == 1 && wt.c == nil && w.shiftable() { // weights given at run time (training)
		return []*info{{dt: Float32, shape: out}}, runtimeShiftedConv(w, N, C, M, n.fuseRelu, env.workers()), nil
	}
	if !env.opt.NoShiftedConv && w.vectorSuits(g, wt) {
		k := vectorConv(wt.c, N, C, M, n.fuseRelu)
		k.activated = func(a activation) *kernel { return postActivation(k, a, 1) }
		return []*info{{dt: Float32, shape: out}}, k, nil
	}
	if !env.opt.NoShiftedConv && w.depthwiseSuits(g, C, M) {
		workers := env.workers()
		k := depthwiseConv(w, N, C, M, reluIf(n.fuseRelu), workers)
		if !n.fuseRelu {
			k.activated = func(a activation) *kernel { return depthwiseConv(w, N, C, M, a, workers) }
		}
		return []*info{{dt: Float32, shape: out}}, k, nil
	}
	if !env.opt.NoShiftedConv && g == 1 && wt.c != nil && (b == nil || b.c != nil) && w.shiftable() {
		workers := env.workers()
		k := shiftedConv(n, w, N, C, M, wt.c, b, n.fuseRelu, workers)
		k.activated = func(a activation) *kernel { return postActivation(k, a, workers) }
		return []*info{{dt: Float32, shape: out}}, k, nil
	}
	ohw := w.outSize()
	ihw := w.inSize()
	kg := C / g * w.kSize() // GEMM depth per group
	mg := M / g
	direct := w.pointwise()
	// Images per GEMM: batch small outputs together so the GEMM is wide.
	nb := 1
	if ohw < 512 {
		nb = min(N, (512+ohw-1)/ohw)
	}
	for nb > 1 && nb*ohw*(C*w.kSize()+M) > 1<<24 {
		nb--
	}
	scratch := 0
	if !direct || nb > 1 {
		scratch += C * w.kSize() * nb * ohw
	}
	if nb > 1 {
		scratch += M * nb * ohw
	}
	relu := n.fuseRelu
	workers := runtime.GOMAXPROCS(0)
	gemmWorkers := env.workers()
	k := &kernel{scratch: scratch, run: func(in, o []*Tensor, sc []float32) {
		src, wd, dst := in[0].F, in[1].F, o[0].F
		var bias []float32
		if len(in) > 2 && in[2] != nil {
			bias = in[2].F
		}
		ncols := nb * ohw
		colRows := C * w.kSize()
		var col, tmp []float32
		if !direct || nb > 1 {
			col = sc[:colRows*ncols]
		}
		if nb > 1 {
			tmp = sc[colRows*ncols : colRows*ncols+M*ncols]
		}
		for b0 := 0; b0 < N; b0 += nb {
			cnt := min(nb, N-b0)
			cols := cnt * ohw
			var bm blas32.General
			if direct && cnt == 1 {
				bm = blas32.General{Rows: C, Cols: ohw, Stride: ohw, Data: src[b0*C*ihw : (b0+1)*C*ihw]}
			} else {
				for j := 0; j < cnt; j++ {
					img := src[(b0+j)*C*ihw : (b0+j+1)*C*ihw]
					if direct {
						for c := 0; c < C; c++ {
							copy(col[c*ncols+j*ohw:c*ncols+(j+1)*ohw], img[c*ihw:(c+1)*ihw])
						}
					} else {
						w.im2col(img, C, col, ncols, j*ohw, workers)
					}
				}
				bm = blas32.General{Rows: colRows, Cols: cols, Stride: ncols, Data: col}
			}
			direct1 := cnt == 1 && nb == 1 // GEMM writes the output itself
			beta := float32(0)
			if direct1 && bias != nil {
				img := dst[b0*M*ohw : (b0+1)*M*ohw]
				for m := 0; m < M; m++ {
					fill(img[m*ohw:(m+1)*ohw], bias[m])
				}
				beta = 1
			}
			for gi := 0; gi < g; gi++ {
				a := blas32.General{Rows: mg, Cols: kg, Stride: kg, Data: wd[gi*mg*kg : (gi+1)*mg*kg]}
				bg := blas32.General{Rows: kg, Cols: cols, Stride: bm.Stride, Data: bm.Data[gi*kg*bm.Stride:]}
				var c blas32.General
				if direct1 {
					c = blas32.General{Rows: mg, Cols: ohw, Stride: ohw, Data: dst[(b0*M+gi*mg)*ohw : (b0*M+(gi+1)*mg)*ohw]}
				} else {
					c = blas32.General{Rows: mg, Cols: cols, Stride: ncols, Data: tmp[gi*mg*ncols:]}
				}
				parallelGemm(a, bg, beta, c, gemmWorkers)
			}
			if direct1 {
				if relu {
					reluInPlace(dst[b0*M*ohw : (b0+1)*M*ohw])
				}
				continue
			}
			for j := 0; j < cnt; j++ {
				img := dst[(b0+j)*M*ohw : (b0+j+1)*M*ohw]
				for m := 0; m < M; m++ {
					d := img[m*ohw : (m+1)*ohw]
					t := tmp[m*ncols+j*ohw : m*ncols+(j+1)*ohw]
					var bv float32
					if bias != nil {
						bv = bias[m]
					}
					if relu {
						for i := range d {
							d[i] = relu32(t[i] + bv)
						}
					} else {
						for i := range d {
							d[i] = t[i] + bv
						}
					}
				}
			}
		}
	}}
	k.activated = func(a activation) *kernel { return postActivation(k, a, gemmWorkers) }
	return []*info{{dt: Float32, shape: out}}, k, nil
}

func checkBatchNorm(n *Node) error {
	if n.Opset < 9 && n.attrInt("spatial", 1) != 1 {
		return fmt.Errorf("spatial=0 is not supported")
	}
	return nil
}

// bnAffine returns per-channel a, b with y = a*x + b.
func bnAffine(scale, bias, mean, variance []float32, eps float32) (a, b []float32) {
	a = make([]float32, len(scale))
	b = make([]float32, len(scale))
	for c := range scale {
		inv := 1 / sqrt32(variance[c]+eps)
		a[c] = scale[c] * inv
		b[c] = bias[c] - mean[c]*a[c]
	}
	return a, b
}

func buildBatchNorm(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 5); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0, 1, 2, 3, 4); err != nil {
		return nil, nil, err
	}
	x := in[0]
	if len(x.shape) < 2 {
		return nil, nil, fmt.Errorf("input %v needs a channel dim", x.shape)
	}
	C := x.shape[1]
	for i := 1; i < 5; i++ {
		if numel(in[i].shape) != C {
			return nil, nil, fmt.Errorf("parameter %d has shape %v for %d channels", i, in[i].shape, C)
		}
	}
	if env.training && !env.frozenBN[n.Name] || n.attrInt("training_mode", 0) != 0 {
		return buildBatchNormTrain(n, x)
	}
	eps := n.attrFloat("epsilon", 1e-5)
	plane := numel(x.shape[2:])
	N := x.shape[0]
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		a, b := bnAffine(in[1].F, in[2].F, in[3].F, in[4].F, eps)
		src, dst := in[0].F, o[0].F
		for i := 0; i < N; i++ {
			for c := 0; c < C; c++ {
				off := (i*C + c) * plane
				s, d := src[off:off+plane], dst[off:off+plane]
				for j, v := range s {
					d[j] = a[c]*v + b[c]
				}
			}
		}
	}}
	return []*info{{dt: Float32, shape: x.shape}}, k, nil
}

// fill sets every element of d to v.
func fill(d []float32, v float32) {
	if len(d) == 0 {
		return
	}
	d[0] = v
	for n := 1; n < len(d); n *= 2 {
		copy(d[n:], d[:n])
	}
}

// relu32 is max(v, 0) without a branch (clears negatives by their sign bit).
func relu32(v float32) float32 {
	b := math.Float32bits(v)
	return math.Float32frombits(b &^ uint32(int32(b)>>31))
}

// parallelGemm computes c = a*b + beta*c, splitting b's and c's columns over up to
// workers goroutines when the product is big enough to pay for it.
func parallelGemm(a, b blas32.General, beta float32, c blas32.General, workers int) {
	n := c.Cols
	if workers <= 1 || n < 64 || a.Rows*a.Cols*n < 1<<18 {
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, a, b, beta, c)
		return
	}
	workers = min(workers, n/32)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		lo, hi := i*n/workers, (i+1)*n/workers
		lo, hi = lo&^7, hi&^7
		if i == workers-1 {
			hi = n
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			bb := blas32.General{Rows: b.Rows, Cols: hi - lo, Stride: b.Stride, Data: b.Data[lo:]}
			cc := blas32.General{Rows: c.Rows, Cols: hi - lo, Stride: c.Stride, Data: c.Data[lo:]}
			blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, a, bb, beta, cc)
		}()
	}
	wg.Wait()
}
