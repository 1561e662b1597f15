package importer

import (
	"fmt"
	"math"
)

// windowEach calls fn(o, i) for every output position o of a pooling
// window over one plane and every input position i inside its window
// (padding excluded).
func windowEach(w *window, fn func(o, i int)) {
	ID, IH, IW := w.in[0], w.in[1], w.in[2]
	o := 0
	for od := 0; od < w.out[0]; od++ {
		for oh := 0; oh < w.out[1]; oh++ {
			for ow := 0; ow < w.out[2]; ow++ {
				for kd := 0; kd < w.k[0]; kd++ {
					id := od*w.s[0] - w.pb[0] + kd*w.d[0]
					if id < 0 || id >= ID {
						continue
					}
					for kh := 0; kh < w.k[1]; kh++ {
						ih := oh*w.s[1] - w.pb[1] + kh*w.d[1]
						if ih < 0 || ih >= IH {
							continue
						}
						for kw := 0; kw < w.k[2]; kw++ {
							iw := ow*w.s[2] - w.pb[2] + kw*w.d[2]
							if iw >= 0 && iw < IW {
								fn(o, (id*IH+ih)*IW+iw)
							}
						}
					}
				}
				o++
			}
		}
	}
}

// buildLpPool: y = (Σ |x|^p)^(1/p) over each window (padding counts as
// zeros).
func buildLpPool(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0); err != nil {
		return nil, nil, err
	}
	x := in[0]
	if len(x.shape) < 3 {
		return nil, nil, fmt.Errorf("%w: input %v needs spatial dims", ErrShape, x.shape)
	}
	w, err := geometry(n, x.shape[2:], n.attrInts("kernel_shape"), n.attrInt("ceil_mode", 0) != 0)
	if err != nil {
		return nil, nil, err
	}
	p := float64(n.attrInt("p", 2))
	out := append([]int{x.shape[0], x.shape[1]}, w.out[3-(len(x.shape)-2):]...)
	planes := x.shape[0] * x.shape[1]
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		isz, osz := w.inSize(), w.outSize()
		acc := make([]float64, osz)
		for pl := 0; pl < planes; pl++ {
			src, dst := in[0].F[pl*isz:(pl+1)*isz], o[0].F[pl*osz:(pl+1)*osz]
			for i := range acc {
				acc[i] = 0
			}
			windowEach(w, func(o, i int) { acc[o] += math.Pow(math.Abs(float64(src[i])), p) })
			for i, v := range acc {
				dst[i] = float32(math.Pow(v, 1/p))
			}
		}
	}}
	return []*info{{dt: Float32, shape: out}}, k, nil
}

// backLpPool: dx = g·sign(x)·|x|^(p-1) / y^(p-1).
func backLpPool(c *backCtx) error {
	gx := c.gin[0]
	if gx == nil {
		return nil
	}
	x := c.in[0]
	w, err := geometry(c.n, x.Shape[2:], c.n.attrInts("kernel_shape"), c.n.attrInt("ceil_mode", 0) != 0)
	if err != nil {
		return err
	}
	p := float64(c.n.attrInt("p", 2))
	isz, osz := w.inSize(), w.outSize()
	for pl := 0; pl < x.Shape[0]*x.Shape[1]; pl++ {
		src, y, gy, g := x.F[pl*isz:], c.out[0].F[pl*osz:], c.gout[0][pl*osz:], gx[pl*isz:]
		windowEach(w, func(o, i int) {
			yo := float64(y[o])
			if yo == 0 {
				return
			}
			v := float64(src[i])
			d := math.Pow(math.Abs(v), p-1) / math.Pow(yo, p-1)
			if v < 0 {
				d = -d
			}
			g[i] += float32(float64(gy[o]) * d)
		})
	}
	return nil
}

// buildEyeLike: a 2-D tensor of the input's shape with ones on diagonal
// k, of element type dtype (the input's by default).
func buildEyeLike(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	if len(x.shape) != 2 {
		return nil, nil, fmt.Errorf("%w: EyeLike of %v (2-D only)", ErrShape, x.shape)
	}
	dt := x.dt
	if n.has("dtype") {
		var err error
		if dt, err = dtypeOf(int32(n.attrInt("dtype", 0))); err != nil {
			return nil, nil, err
		}
	}
	R, C, kk := x.shape[0], x.shape[1], int(n.attrInt("k", 0))
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		o := out[0]
		clear(o.F)
		clear(o.I)
		for i := 0; i < R; i++ {
			if j := i + kk; j >= 0 && j < C {
				if dt == Float32 {
					o.F[i*C+j] = 1
				} else {
					o.I[i*C+j] = 1
				}
			}
		}
	}}
	return []*info{{dt: dt, shape: x.shape}}, k, nil
}

// buildLRN: y = x / (bias + alpha/size · Σ x²)^beta, the sum over the
// size channels centred on each one (NCHW...).
func buildLRN(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0); err != nil {
		return nil, nil, err
	}
	x := in[0]
	if len(x.shape) < 3 || n.attrInt("size", 0) < 1 {
		return nil, nil, fmt.Errorf("%w: LRN of %v with size %d", ErrShape, x.shape, n.attrInt("size", 0))
	}
	l := lrnOf(n, x.shape)
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		src, dst := in[0].F, out[0].F
		l.each(src, func(e int, d float64, _, _ int) { dst[e] = float32(float64(src[e]) * math.Pow(d, -l.beta)) })
	}}
	return []*info{{dt: Float32, shape: x.shape}}, k, nil
}

// lrn holds LRN's attributes and layout.
type lrn struct {
	alpha, beta, bias float64
	size, N, C, S     int
}

func lrnOf(n *Node, shape []int) *lrn {
	return &lrn{alpha: float64(n.attrFloat("alpha", 1e-4)), beta: float64(n.attrFloat("beta", 0.75)),
		bias: float64(n.attrFloat("bias", 1)), size: int(n.attrInt("size", 1)), N: shape[0], C: shape[1], S: numel(shape[2:])}
}

// each calls fn(e, d, lo, hi) for every element e with its denominator
// base d = bias + alpha/size·Σ x² over channels lo..hi-1.
func (l *lrn) each(x []float32, fn func(e int, d float64, lo, hi int)) {
	before, after := (l.size-1)/2, l.size/2 // floor and ceil of (size-1)/2
	for b := 0; b < l.N; b++ {
		for c := 0; c < l.C; c++ {
			lo, hi := max(0, c-before), min(l.C, c+after+1)
			for s := 0; s < l.S; s++ {
				sum := 0.0
				for cc := lo; cc < hi; cc++ {
					v := float64(x[(b*l.C+cc)*l.S+s])
					sum += v * v
				}
				fn((b*l.C+c)*l.S+s, l.bias+l.alpha/float64(l.size)*sum, lo, hi)
			}
		}
	}
}

// backLRN: ∂y_c/∂x_k = δ_ck·d_c^-β - 2αβ/size·x_c·x_k·d_c^(-β-1) for k
// in c's window.
func backLRN(c *backCtx) error {
	gx := c.gin[0]
	if gx == nil {
		return nil
	}
	x, gy := c.in[0].F, c.gout[0]
	l := lrnOf(c.n, c.in[0].Shape)
	l.each(x, func(e int, d float64, lo, hi int) {
		g := float64(gy[e])
		gx[e] += float32(g * math.Pow(d, -l.beta))
		f := -2 * l.alpha * l.beta / float64(l.size) * float64(x[e]) * math.Pow(d, -l.beta-1) * g
		b, s := e/(l.C*l.S), e%l.S
		for cc := lo; cc < hi; cc++ {
			k := (b*l.C+cc)*l.S + s
			gx[k] += float32(f * float64(x[k]))
		}
	})
	return nil
}

// buildWindow handles HannWindow, HammingWindow and BlackmanWindow: a
// [size] window, periodic (N = size) or symmetric (N = size-1); size
// must be known when the model is planned.
func buildWindow(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	sz, err := constInts(in, 0, "size")
	if err != nil {
		return nil, nil, err
	}
	if len(sz) != 1 || sz[0] < 0 || sz[0] > foldLimit {
		return nil, nil, fmt.Errorf("%w: window size %v", ErrBadInput, sz)
	}
	dt, err := dtypeOf(int32(n.attrInt("output_datatype", 1)))
	if err != nil {
		return nil, nil, err
	}
	size := sz[0]
	N := float64(size)
	if n.attrInt("periodic", 1) == 0 {
		N = float64(size - 1)
	}
	t := newTensor(dt, []int{size})
	for i := 0; i < size; i++ {
		a := 2 * math.Pi * float64(i) / N
		var v float64
		switch n.Op {
		case "HannWindow":
			v = 0.5 - 0.5*math.Cos(a)
		case "HammingWindow":
			v = 25.0/46 - (1-25.0/46)*math.Cos(a)
		default:
			v = 0.42 - 0.5*math.Cos(a) + 0.08*math.Cos(2*a)
		}
		if dt == Float32 {
			t.F[i] = float32(v)
		} else {
			t.I[i] = int64(v)
		}
	}
	return []*info{constInfo(t)}, nil, nil
}
