package importer

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// Float64 tensors (DOUBLE) hold the IEEE bits of their values in
// Tensor.I, so that the executor's buffers and every data-movement kernel
// carry them unchanged. Arithmetic on them runs in float64 in the kernels
// of this file (elementwise arithmetic, comparisons and functions,
// MatMul, ReduceSum, Cast); any other operator computes in float32 on
// converted copies (buildViaFloat32), its float outputs converted back.
const Float64 = dtype.Float64

// NewFloat64 makes a float64 tensor of the given shape (data copied).
func NewFloat64(data []float64, shape ...int) (*Tensor, error) {
	if n := numel(shape); n != len(data) {
		return nil, fmt.Errorf("importer: %d values for shape %v (want %d)", len(data), shape, n)
	}
	t := &Tensor{DType: Float64, Shape: append([]int{}, shape...), I: make([]int64, len(data))}
	for i, v := range data {
		t.I[i] = f64bits(v)
	}
	return t, nil
}

// Float64s returns the values of a float or integer tensor as float64.
func (t *Tensor) Float64s() []float64 {
	out := make([]float64, t.Len())
	for i := range out {
		out[i] = t.floatAt(i)
	}
	return out
}

func f64bits(v float64) int64 { return int64(math.Float64bits(v)) }
func f64at(v int64) float64   { return math.Float64frombits(uint64(v)) }

// f64Move are the operators whose kernels only copy elements, which are
// exact on float64 bits.
var f64Move = map[string]bool{
	"Identity": true, "Reshape": true, "Flatten": true, "Squeeze": true, "Unsqueeze": true,
	"Transpose": true, "Concat": true, "Split": true, "Slice": true, "Gather": true,
	"GatherElements": true, "GatherND": true, "Expand": true, "Tile": true, "Shape": true,
	"Size": true, "Where": true, "DepthToSpace": true, "SpaceToDepth": true,
	"Compress": true, "Trilu": true, "Pad": true, "Constant": true, "ConstantOfShape": true,
}

// f64Binary are the elementwise binary operators computed in float64.
var f64Binary = map[string]func(a, b float64) float64{
	"Add": func(a, b float64) float64 { return a + b },
	"Sub": func(a, b float64) float64 { return a - b },
	"Mul": func(a, b float64) float64 { return a * b },
	"Div": func(a, b float64) float64 { return a / b },
	"Pow": math.Pow,
	"Max": func(a, b float64) float64 {
		if a != a || b != b {
			return math.NaN()
		}
		return max(a, b)
	},
	"Min": func(a, b float64) float64 {
		if a != a || b != b {
			return math.NaN()
		}
		return min(a, b)
	},
}

// f64Compare are the comparisons computed in float64 (bool outputs).
var f64Compare = map[string]func(a, b float64) bool{
	"Equal":          func(a, b float64) bool { return a == b },
	"Less":           func(a, b float64) bool { return a < b },
	"Greater":        func(a, b float64) bool { return a > b },
	"LessOrEqual":    func(a, b float64) bool { return a <= b },
	"GreaterOrEqual": func(a, b float64) bool { return a >= b },
}

// f64Unary are the elementwise functions computed in float64.
var f64Unary = map[string]func(float64) float64{
	"Neg": func(v float64) float64 { return -v }, "Abs": math.Abs, "Sqrt": math.Sqrt,
	"Exp": math.Exp, "Log": math.Log, "Sin": math.Sin, "Cos": math.Cos, "Tan": math.Tan,
	"Asin": math.Asin, "Acos": math.Acos, "Atan": math.Atan, "Sinh": math.Sinh,
	"Cosh": math.Cosh, "Asinh": math.Asinh, "Acosh": math.Acosh, "Atanh": math.Atanh,
	"Tanh": math.Tanh, "Erf": math.Erf, "Floor": math.Floor, "Ceil": math.Ceil,
	"Reciprocal": func(v float64) float64 { return 1 / v },
	"Sigmoid":    func(v float64) float64 { return 1 / (1 + math.Exp(-v)) },
	"Relu": func(v float64) float64 {
		if v < 0 {
			return 0
		}
		return v
	},
}

// usesFloat64 reports whether n reads or writes float64 values.
func usesFloat64(n *Node, ins []*info) bool {
	for _, x := range ins {
		if x != nil && x.dt == Float64 {
			return true
		}
	}
	double := int64(onnxpb.TensorProto_DOUBLE)
	return (n.Op == "Cast" && n.attrInt("to", 0) == double) || (n.Op == "EyeLike" && n.attrInt("dtype", 0) == double)
}

// buildFloat64 builds a node that reads or writes float64 values.
func buildFloat64(n *Node, ins []*info, env *buildEnv) ([]*info, *kernel, error) {
	switch {
	case n.Op == "Cast" || n.Op == "CastLike":
		if err := wantInputs(ins, 1); err != nil {
			return nil, nil, err
		}
		to := Float64
		if n.Op == "CastLike" {
			if err := wantInputs(ins, 2); err != nil {
				return nil, nil, err
			}
			to = ins[1].dt
		} else if dt, err := dtypeOf(int32(n.attrInt("to", 0))); err == nil {
			to = dt
		}
		return castFloat64(ins[0], to)
	case f64Move[n.Op]:
		return n.def().build(n, ins, env)
	case n.Op == "EyeLike": // its kernel writes integer ones: made float64
		outs, k, err := n.def().build(n, ins, env)
		if err != nil || k == nil || outs[0].dt != Float64 {
			return outs, k, err
		}
		run := k.run
		return outs, &kernel{run: func(in, out []*Tensor, sc []float32) {
			run(in, out, sc)
			for i, v := range out[0].I {
				out[0].I[i] = f64bits(float64(v))
			}
		}}, nil
	case f64Binary[n.Op] != nil && len(ins) == 2:
		fn := f64Binary[n.Op]
		return binaryFloat64(ins, Float64, func(o []int64, i int, a, b float64) { o[i] = f64bits(fn(a, b)) })
	case f64Compare[n.Op] != nil:
		fn := f64Compare[n.Op]
		return binaryFloat64(ins, Bool, func(o []int64, i int, a, b float64) {
			o[i] = 0
			if fn(a, b) {
				o[i] = 1
			}
		})
	case f64Unary[n.Op] != nil && len(ins) == 1:
		fn := f64Unary[n.Op]
		k := &kernel{run: func(in, out []*Tensor, _ []float32) {
			for i, v := range in[0].I {
				out[0].I[i] = f64bits(fn(f64at(v)))
			}
		}}
		return []*info{{dt: Float64, shape: ins[0].shape}}, k, nil
	case n.Op == "MatMul" && len(ins) == 2 && ins[0].dt == Float64 && ins[1].dt == Float64:
		return matmulFloat64(ins)
	case n.Op == "ReduceSum" && ins[0].dt == Float64:
		return reduceSumFloat64(n, ins)
	}
	return buildViaFloat32(n, ins, env)
}

// castFloat64 converts x to type to, one side being float64.
func castFloat64(x *info, to DType) ([]*info, *kernel, error) {
	from := x.dt
	get := func(t *Tensor, i int) float64 { return t.floatAt(i) }
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		x, o := in[0], out[0]
		for i := range x.Len() {
			v := get(x, i)
			switch {
			case to == Float64:
				o.I[i] = f64bits(v)
			case to == Float32:
				o.F[i] = float32(v)
			case to == Bool:
				o.I[i] = 0
				if v != 0 {
					o.I[i] = 1
				}
			case from == Float64:
				o.I[i] = wrapInt(to, int64(v))
			default:
				o.I[i] = x.I[i]
			}
		}
	}}
	return []*info{{dt: to, shape: x.shape}}, k, nil
}

// binaryFloat64 broadcasts two inputs (float64, or one of them float32 or
// integer, read as float64) and applies set to each pair.
func binaryFloat64(ins []*info, outDT DType, set func(o []int64, i int, a, b float64)) ([]*info, *kernel, error) {
	if err := wantInputs(ins, 2); err != nil {
		return nil, nil, err
	}
	shape, err := broadcastShape(ins[0].shape, ins[1].shape)
	if err != nil {
		return nil, nil, err
	}
	bc := newBcast(shape, ins[0].shape, ins[1].shape)
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		x, y, o := in[0], in[1], out[0].I
		bc.rows(func(oi int, offs []int, n int, st []int) {
			for i := 0; i < n; i++ {
				set(o, oi+i, x.floatAt(offs[0]+i*st[0]), y.floatAt(offs[1]+i*st[1]))
			}
		})
	}}
	return []*info{{dt: outDT, shape: shape}}, k, nil
}

// matmulFloat64 is MatMul in float64 (through blas64).
func matmulFloat64(ins []*info) ([]*info, *kernel, error) {
	g, err := newMatmulGeom(ins[0].shape, ins[1].shape)
	if err != nil {
		return nil, nil, err
	}
	M, K, N := g.M, g.K, g.N
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		a, b := in[0].Float64s(), in[1].Float64s()
		c := make([]float64, M*N)
		for e := range g.aOff {
			if M*N*K == 0 {
				clear(c)
			} else {
				blas64.Implementation().Dgemm(blas.NoTrans, blas.NoTrans, M, N, K, 1, a[g.aOff[e]:], K, b[g.bOff[e]:], N, 0, c, N)
			}
			for i, v := range c {
				out[0].I[e*M*N+i] = f64bits(v)
			}
		}
	}}
	return []*info{{dt: Float64, shape: g.out}}, k, nil
}

// reduceSumFloat64 is ReduceSum in float64.
func reduceSumFloat64(n *Node, ins []*info) ([]*info, *kernel, error) {
	x := ins[0]
	out, ks, noop, err := reduceShape(n, ins)
	if err != nil {
		return nil, nil, err
	}
	if noop {
		return []*info{{dt: Float64, shape: x.shape}}, aliasKernel(), nil
	}
	r := len(x.shape)
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		// The sums accumulate in the output's bits: no buffer per run
		// (a kernel may run in several sessions at once).
		sum := o[0].I
		clear(sum) // the bits of +0.0
		var small [8]int
		coord := small[:0]
		if r <= len(small) {
			coord = small[:r]
		} else {
			coord = make([]int, r)
		}
		oi := 0
		for _, v := range in[0].I {
			sum[oi] = f64bits(f64at(sum[oi]) + f64at(v))
			for d := r - 1; d >= 0; d-- { // next coordinate, C order
				coord[d]++
				oi += ks[d]
				if coord[d] < x.shape[d] {
					break
				}
				oi -= ks[d] * coord[d]
				coord[d] = 0
			}
		}
	}}
	return []*info{{dt: Float64, shape: out}}, k, nil
}

// buildViaFloat32 builds n's float32 kernel on float32 copies of its
// float64 inputs; float32 outputs are converted back to float64.
func buildViaFloat32(n *Node, ins []*info, env *buildEnv) ([]*info, *kernel, error) {
	fin := make([]*info, len(ins))
	conv := make([]bool, len(ins))
	for i, x := range ins {
		fin[i] = x
		if x == nil || x.dt != Float64 {
			continue
		}
		fin[i], conv[i] = &info{dt: Float32, shape: x.shape}, true
		if x.c != nil {
			fin[i].c = &Tensor{DType: Float32, Shape: x.c.Shape, F: make([]float32, x.c.Len())}
			for j := range fin[i].c.F {
				fin[i].c.F[j] = float32(x.c.floatAt(j))
			}
		}
	}
	outs, k, err := n.def().build(n, fin, env)
	if err != nil || k == nil {
		return outs, k, err
	}
	back := make([]bool, len(outs))
	for i, o := range outs {
		if o != nil && o.dt == Float32 {
			outs[i], back[i] = &info{dt: Float64, shape: o.shape}, true
		}
	}
	if k.alias { // a view (Dropout in inference): the float64 input as it is
		return outs, aliasKernel(), nil
	}
	run := k.run
	return outs, &kernel{scratch: k.scratch, run: func(in, out []*Tensor, sc []float32) {
		fi := append([]*Tensor{}, in...)
		for i, t := range in {
			if t != nil && conv[i] {
				fi[i] = &Tensor{DType: Float32, Shape: t.Shape, F: make([]float32, len(t.I)+bufSlack)[:len(t.I)]}
				for j, v := range t.I {
					fi[i].F[j] = float32(f64at(v))
				}
			}
		}
		fo := append([]*Tensor{}, out...)
		for i, t := range out {
			if back[i] {
				fo[i] = &Tensor{DType: Float32, Shape: t.Shape, F: make([]float32, len(t.I)+bufSlack)[:len(t.I)]}
			}
		}
		run(fi, fo, sc)
		for i, t := range out {
			if back[i] {
				for j, v := range fo[i].F {
					t.I[j] = f64bits(float64(v))
				}
			}
		}
	}}, nil
}
