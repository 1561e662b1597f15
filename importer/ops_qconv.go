package importer

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// qconv is an integer convolution: (x - x_zero_point) * (w - w_zero_point)
// summed exactly (see ops_qlinear.go), x padded with its zero point.
type qconv struct {
	w                *window
	n, c, m, group   int
	cg, mg, rows     int // channels and output channels per group; rows of a group's patch matrix
	xSize, oSize, kk int
}

// newQConv checks the shapes of x [N, C, spatial...] and w [M, C/group,
// kernel...] and computes the geometry.
func newQConv(n *Node, x, w *info) (*qconv, error) {
	if err := wantQuantized(x, "input x"); err != nil {
		return nil, err
	}
	if err := wantQuantized(w, "input w"); err != nil {
		return nil, err
	}
	if len(x.shape) < 3 || len(w.shape) != len(x.shape) {
		return nil, fmt.Errorf("%w: input %v and weights %v", ErrShape, x.shape, w.shape)
	}
	kshape := n.attrInts("kernel_shape")
	if kshape == nil {
		kshape = w.shape[2:]
	}
	if !sameShape(kshape, w.shape[2:]) {
		return nil, fmt.Errorf("kernel_shape %v differs from the weights' %v", kshape, w.shape[2:])
	}
	win, err := geometry(n, x.shape[2:], kshape, false)
	if err != nil {
		return nil, err
	}
	q := &qconv{w: win, n: x.shape[0], c: x.shape[1], m: w.shape[0], group: int(n.attrInt("group", 1))}
	if q.group < 1 || q.c%q.group != 0 || q.m%q.group != 0 || w.shape[1] != q.c/q.group {
		return nil, fmt.Errorf("%w: %d input channels, weights %v, group %d", ErrShape, q.c, w.shape, q.group)
	}
	q.cg, q.mg = q.c/q.group, q.m/q.group
	q.kk = win.kSize()
	q.rows = q.cg * q.kk
	q.xSize, q.oSize = win.inSize(), win.outSize()
	return q, nil
}

// outShape is [N, M, output spatial...].
func (q *qconv) outShape(x *info) []int {
	s := []int{q.n, q.m}
	r := len(x.shape) - 2
	return append(s, q.w.out[3-r:]...)
}

// im2col writes the patches of channels [c0, c0+cg) of one image, shifted
// by the zero point, into col (row (c, kd, kh, kw), column output pixel).
func (q *qconv) im2col(x []int64, zp int64, c0 int, col []float64) {
	w := q.w
	o := 0
	for c := c0; c < c0+q.cg; c++ {
		plane := x[c*q.xSize : (c+1)*q.xSize]
		for kd := 0; kd < w.k[0]; kd++ {
			for kh := 0; kh < w.k[1]; kh++ {
				for kw := 0; kw < w.k[2]; kw++ {
					for od := 0; od < w.out[0]; od++ {
						id := od*w.s[0] - w.pb[0] + kd*w.d[0]
						for oh := 0; oh < w.out[1]; oh++ {
							ih := oh*w.s[1] - w.pb[1] + kh*w.d[1]
							for ow := 0; ow < w.out[2]; ow++ {
								iw := ow*w.s[2] - w.pb[2] + kw*w.d[2]
								v := 0.0
								if id >= 0 && id < w.in[0] && ih >= 0 && ih < w.in[1] && iw >= 0 && iw < w.in[2] {
									v = float64(plane[(id*w.in[1]+ih)*w.in[2]+iw] - zp)
								}
								col[o] = v
								o++
							}
						}
					}
				}
			}
		}
	}
}

// sums computes the exact sums of every output element into acc
// ([N, M, output pixels]); wzp is a scalar or one per output channel.
func (q *qconv) sums(x, w []int64, xzp int64, wzp *Tensor, acc []float64) {
	wm := make([]float64, q.m*q.rows)
	for m := 0; m < q.m; m++ {
		z := elemI(wzp, m)
		for r := 0; r < q.rows; r++ {
			wm[m*q.rows+r] = float64(w[m*q.rows+r] - z)
		}
	}
	col := make([]float64, q.rows*q.oSize)
	for img := 0; img < q.n; img++ {
		for g := 0; g < q.group; g++ {
			q.im2col(x[img*q.c*q.xSize:], xzp, g*q.cg, col)
			dst := acc[(img*q.m+g*q.mg)*q.oSize:]
			blas64.Implementation().Dgemm(blas.NoTrans, blas.NoTrans, q.mg, q.oSize, q.rows, 1,
				wm[g*q.mg*q.rows:], q.rows, col, q.oSize, 0, dst, q.oSize)
		}
	}
}

func buildConvInteger(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	x, w := in[0], in[1]
	q, err := newQConv(n, x, w)
	if err != nil {
		return nil, nil, err
	}
	if xzp := input(in, 2); xzp != nil {
		if err := zeroPoints(xzp, x.dt, 1, "x's"); err != nil {
			return nil, nil, err
		}
	}
	if err := zeroPoints(input(in, 3), w.dt, q.m, "w's"); err != nil {
		return nil, nil, err
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		acc := make([]float64, len(out[0].I))
		q.sums(in[0].I, in[1].I, elemI(optTensor(in, 2), 0), optTensor(in, 3), acc)
		for i, v := range acc {
			out[0].I[i] = int64(int32(v))
		}
	}}
	return []*info{{dt: Int64, shape: q.outShape(x)}}, k, nil // int32, held as int64
}

func buildQLinearConv(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 8); err != nil {
		return nil, nil, err
	}
	x, xs, xzp, w, ws, wzp, ys, yzp := in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]
	q, err := newQConv(n, x, w)
	if err != nil {
		return nil, nil, err
	}
	if err := wantQuantized(yzp, "y_zero_point"); err != nil {
		return nil, nil, err
	}
	for _, c := range []struct {
		p    *info
		n    int
		what string
	}{{xs, 1, "x_scale"}, {ws, q.m, "w_scale"}, {ys, 1, "y_scale"}} {
		if c.p.dt != Float32 {
			return nil, nil, fmt.Errorf("%s of type %v; want a float", c.what, c.p.dt)
		}
		if err := perTensorOr(c.p, c.n, c.what); err != nil {
			return nil, nil, err
		}
	}
	if err := zeroPoints(xzp, x.dt, 1, "x's"); err != nil {
		return nil, nil, err
	}
	if err := zeroPoints(wzp, w.dt, q.m, "w's"); err != nil {
		return nil, nil, err
	}
	if err := scalarParam(yzp, "y_zero_point"); err != nil {
		return nil, nil, err
	}
	if bias := input(in, 8); bias != nil && (bias.dt != Int64 || len(bias.shape) != 1 || bias.shape[0] != q.m) {
		return nil, nil, fmt.Errorf("bias is %v%v; want int32 [%d]", bias.dt, bias.shape, q.m)
	}
	dt := yzp.dt
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		acc := make([]float64, len(out[0].I))
		q.sums(in[0].I, in[3].I, in[2].I[0], in[5], acc)
		bias := optTensor(in, 8)
		xs, ys, z := in[1].F[0], in[6].F[0], in[7].I[0]
		for img := 0; img < q.n; img++ {
			for m := 0; m < q.m; m++ {
				mult := qmultiplier(xs, elemF(in[4], m), ys)
				var b int64
				if bias != nil {
					b = bias.I[m]
				}
				base := (img*q.m + m) * q.oSize
				for p := base; p < base+q.oSize; p++ {
					out[0].I[p] = requantize(int64(acc[p])+b, mult, z, dt)
				}
			}
		}
	}}
	return []*info{{dt: dt, shape: q.outShape(x)}}, k, nil
}
