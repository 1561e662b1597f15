package importer

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// The QOperator forms of quantized models: MatMulInteger and ConvInteger
// (int32 results), QLinearMatMul and QLinearConv (requantized to 8 bits).
// Products are summed exactly: the zero-point-shifted integers are at
// most 2^16 in size, so float64 GEMMs over them are exact integer sums
// (below 2^53) in any summation order. Requantization follows
// onnxruntime: the multiplier x_scale*w_scale/y_scale is computed in
// float32, the int32 sum converted to float32 and scaled, rounded half to
// even, shifted by the output zero point and saturated.

// zeroPoints reads an optional zero point that is a scalar or has n
// elements (one per row, column or output channel), for inputs of type dt.
func zeroPoints(zp *info, dt DType, n int, what string) error {
	if zp == nil {
		return nil
	}
	if zp.dt != dt {
		return fmt.Errorf("%s zero point of type %v for an input of type %v", what, zp.dt, dt)
	}
	return perTensorOr(zp, n, what+" zero point")
}

// perTensorOr checks that a scale or zero point is a scalar (or one
// element) or a 1-D tensor of n elements.
func perTensorOr(p *info, n int, what string) error {
	switch {
	case numel(p.shape) == 1 && len(p.shape) <= 1:
		return nil
	case len(p.shape) == 1 && p.shape[0] == n:
		return nil
	}
	return fmt.Errorf("%s has shape %v; want a scalar or [%d]", what, p.shape, n)
}

// scalarParam checks that a scale or zero point has one element.
func scalarParam(p *info, what string) error {
	if p != nil && (numel(p.shape) != 1 || len(p.shape) > 1) {
		return fmt.Errorf("%s has shape %v; want a scalar", what, p.shape)
	}
	return nil
}

// elem is element i of a scalar-or-vector parameter (0 when absent).
func elemI(t *Tensor, i int) int64 {
	if t == nil || t.I == nil {
		return 0
	}
	if len(t.I) == 1 {
		return t.I[0]
	}
	return t.I[i]
}

func elemF(t *Tensor, i int) float32 {
	if len(t.F) == 1 {
		return t.F[0]
	}
	return t.F[i]
}

// optTensor is input i of a kernel call, nil when absent.
func optTensor(in []*Tensor, i int) *Tensor {
	if i < len(in) {
		return in[i]
	}
	return nil
}

// requantize maps an int32 sum onto the output type, as onnxruntime does.
func requantize(acc int64, mult float32, zp int64, dt DType) int64 {
	v := math.RoundToEven(float64(float32(int32(acc)) * mult))
	lo, hi := intRange(dt)
	return min(max(int64(v)+zp, lo), hi)
}

// qmultiplier is (a_scale * b_scale) / y_scale in float32.
func qmultiplier(a, b, y float32) float32 { return a * b / y }

// wantQuantized checks that an input is uint8 or int8.
func wantQuantized(x *info, what string) error {
	if x.dt != Uint8 && x.dt != Int8 {
		return fmt.Errorf("%w: %s of type %v (uint8 and int8 are supported)", ErrUnsupported, what, x.dt)
	}
	return nil
}

// matmulGeom is the geometry of a batched integer product.
type matmulGeom struct {
	M, K, N    int
	aOff, bOff []int // offsets of each batch entry's matrices
	out        []int
}

func newMatmulGeom(as, bs []int) (*matmulGeom, error) {
	if len(as) == 0 || len(bs) == 0 {
		return nil, fmt.Errorf("product of a scalar")
	}
	a1, b1 := len(as) == 1, len(bs) == 1
	if a1 {
		as = []int{1, as[0]}
	}
	if b1 {
		bs = []int{bs[0], 1}
	}
	g := &matmulGeom{M: as[len(as)-2], K: as[len(as)-1], N: bs[len(bs)-1]}
	if g.K != bs[len(bs)-2] {
		return nil, fmt.Errorf("%w: shapes %v and %v do not multiply", ErrShape, as, bs)
	}
	batch, err := broadcastShape(as[:len(as)-2], bs[:len(bs)-2])
	if err != nil {
		return nil, err
	}
	g.out = append([]int{}, batch...)
	if !a1 {
		g.out = append(g.out, g.M)
	}
	if !b1 {
		g.out = append(g.out, g.N)
	}
	newBcast(batch, as[:len(as)-2], bs[:len(bs)-2]).rows(func(_ int, offs []int, n int, st []int) {
		for i := 0; i < n; i++ {
			g.aOff = append(g.aOff, (offs[0]+i*st[0])*g.M*g.K)
			g.bOff = append(g.bOff, (offs[1]+i*st[1])*g.K*g.N)
		}
	})
	return g, nil
}

// product computes every batch entry's (a - azp) x (b - bzp) in acc
// (azp per row or scalar, bzp per column or scalar).
func (g *matmulGeom) product(a, b []int64, azp, bzp *Tensor, acc []float64) {
	M, K, N := g.M, g.K, g.N
	am, bm := make([]float64, M*K), make([]float64, K*N)
	for e := range g.aOff {
		for i := 0; i < M; i++ {
			z := elemI(azp, i)
			for k := 0; k < K; k++ {
				am[i*K+k] = float64(a[g.aOff[e]+i*K+k] - z)
			}
		}
		for k := 0; k < K; k++ {
			for j := 0; j < N; j++ {
				bm[k*N+j] = float64(b[g.bOff[e]+k*N+j] - elemI(bzp, j))
			}
		}
		if M*N*K == 0 {
			clear(acc[e*M*N : (e+1)*M*N])
			continue
		}
		blas64.Implementation().Dgemm(blas.NoTrans, blas.NoTrans, M, N, K, 1, am, K, bm, N, 0, acc[e*M*N:], N)
	}
}

func buildMatMulInteger(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	a, b := in[0], in[1]
	if err := wantQuantized(a, "input A"); err != nil {
		return nil, nil, err
	}
	if err := wantQuantized(b, "input B"); err != nil {
		return nil, nil, err
	}
	g, err := newMatmulGeom(a.shape, b.shape)
	if err != nil {
		return nil, nil, err
	}
	if err := zeroPoints(input(in, 2), a.dt, g.M, "A's"); err != nil {
		return nil, nil, err
	}
	if err := zeroPoints(input(in, 3), b.dt, g.N, "B's"); err != nil {
		return nil, nil, err
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		acc := make([]float64, len(out[0].I))
		g.product(in[0].I, in[1].I, optTensor(in, 2), optTensor(in, 3), acc)
		for i, v := range acc {
			out[0].I[i] = int64(int32(v))
		}
	}}
	return []*info{{dt: Int64, shape: g.out}}, k, nil // int32, held as int64
}

func buildQLinearMatMul(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 8); err != nil {
		return nil, nil, err
	}
	a, as, azp, b, bs, bzp, ys, yzp := in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]
	for i, x := range []*info{a, b, yzp} {
		if err := wantQuantized(x, []string{"input a", "input b", "y_zero_point"}[i]); err != nil {
			return nil, nil, err
		}
	}
	g, err := newMatmulGeom(a.shape, b.shape)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range []struct {
		p    *info
		n    int
		what string
	}{{as, g.M, "a_scale"}, {bs, g.N, "b_scale"}, {ys, 1, "y_scale"}} {
		if c.p.dt != Float32 {
			return nil, nil, fmt.Errorf("%s of type %v; want a float", c.what, c.p.dt)
		}
		if err := perTensorOr(c.p, c.n, c.what); err != nil {
			return nil, nil, err
		}
	}
	if err := zeroPoints(azp, a.dt, g.M, "a's"); err != nil {
		return nil, nil, err
	}
	if err := zeroPoints(bzp, b.dt, g.N, "b's"); err != nil {
		return nil, nil, err
	}
	if err := scalarParam(yzp, "y_zero_point"); err != nil {
		return nil, nil, err
	}
	dt := yzp.dt
	M, N := g.M, g.N
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		acc := make([]float64, len(out[0].I))
		g.product(in[0].I, in[3].I, in[2], in[5], acc)
		y, z := in[6].F[0], in[7].I[0]
		for i, v := range acc {
			r, c := i/N%M, i%N
			out[0].I[i] = requantize(int64(v), qmultiplier(elemF(in[1], r), elemF(in[4], c), y), z, dt)
		}
	}}
	return []*info{{dt: dt, shape: g.out}}, k, nil
}
