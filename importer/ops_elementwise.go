package importer

import (
	"fmt"
	"math"

	"github.com/hierlearn/hierlearn/internal/numeric/vec"
	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

type binOp int

const (
	opAdd binOp = iota
	opSub
	opMul
	opDiv
	opPow
	opMax
	opMin
	opEqual
)

func applyF(op binOp, x, y float32) float32 {
	switch op {
	case opAdd:
		return x + y
	case opSub:
		return x - y
	case opMul:
		return x * y
	case opDiv:
		return x / y
	case opPow:
		return float32(math.Pow(float64(x), float64(y)))
	case opMax:
		if x != x || x > y {
			return x
		}
		return y
	case opMin:
		if x != x || x < y {
			return x
		}
		return y
	case opEqual:
		if x == y {
			return 1
		}
		return 0
	}
	panic("bad op")
}

func applyI(op binOp, x, y int64) int64 {
	switch op {
	case opAdd:
		return x + y
	case opSub:
		return x - y
	case opMul:
		return x * y
	case opDiv:
		if y == 0 {
			return 0
		}
		return x / y
	case opPow:
		if y < 0 {
			return int64(math.Pow(float64(x), float64(y)))
		}
		r := int64(1)
		for ; y > 0; y >>= 1 { // exponentiation by squaring
			if y&1 == 1 {
				r *= x
			}
			x *= x
		}
		return r
	case opMax:
		if x > y {
			return x
		}
		return y
	case opMin:
		if x < y {
			return x
		}
		return y
	case opEqual:
		if x == y {
			return 1
		}
		return 0
	}
	panic("bad op")
}

// rowF computes one broadcast row o[oi:oi+n] = a op b, with fast paths
// for the common cases.
func rowF(op binOp, o []float32, a []float32, ai, sa int, b []float32, bi, sb int, n int) {
	o = o[:n]
	if (op == opAdd || op == opMul || op == opSub || op == opDiv) && sa == 1 && sb == 1 {
		// Same-shape rows: residual additions, and SiLU's x*sigmoid(x).
		a, b = a[ai:ai+n], b[bi:bi+n]
		switch op {
		case opAdd:
			vec.Add(o, a, b)
		case opMul:
			vec.Mul(o, a, b)
		case opSub:
			for i := range o {
				o[i] = a[i] - b[i]
			}
		case opDiv:
			for i := range o {
				o[i] = a[i] / b[i]
			}
		}
		return
	}
	if (op == opAdd || op == opMul || op == opSub || op == opDiv) && sa == 1 && sb == 0 {
		a, y := a[ai:ai+n], b[bi]
		switch op {
		case opAdd:
			for i := range o {
				o[i] = a[i] + y
			}
		case opMul:
			vec.Scale(o, y, a)
		case opSub:
			for i := range o {
				o[i] = a[i] - y
			}
		case opDiv:
			for i := range o {
				o[i] = a[i] / y
			}
		}
		return
	}
	if (op == opAdd || op == opMul) && sa == 0 && sb == 1 {
		// A scalar times a row (squeeze-and-excitation's scale * x):
		// commutative, so the row-times-scalar loop above.
		rowF(op, o, b, bi, 1, a, ai, 0, n)
		return
	}
	for i := range o {
		o[i] = applyF(op, a[ai+i*sa], b[bi+i*sb])
	}
}

// buildBinary handles Add, Sub, Mul, Div, Pow, Equal with numpy
// broadcasting on float32 or int64 (Pow also float32 ^ int64).
func buildBinary(op binOp) buildFn {
	return func(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
		if err := wantInputs(in, 2); err != nil {
			return nil, nil, err
		}
		a, b := in[0], in[1]
		if n.Opset < 7 || (n.has("broadcast") && n.attrInt("axis", -1) >= 0) {
			return nil, nil, fmt.Errorf("%w: legacy broadcast attributes", ErrUnsupported)
		}
		if a.dt != b.dt && !(op == opPow && a.dt != Bool && b.dt != Bool) {
			return nil, nil, fmt.Errorf("input types %v and %v differ", a.dt, b.dt)
		}
		if a.dt == Bool {
			return nil, nil, fmt.Errorf("%w: bool inputs", ErrUnsupported)
		}
		shape, err := broadcastShape(a.shape, b.shape)
		if err != nil {
			return nil, nil, err
		}
		outDT := a.dt
		if op == opEqual {
			outDT = Bool
		}
		bc := newBcast(shape, a.shape, b.shape)
		relu := n.fuseRelu
		floatIn := a.dt == Float32
		mixed := a.dt != b.dt
		sameAdd := op == opAdd && sameShape(a.shape, b.shape) // a residual connection
		k := &kernel{run: func(in, out []*Tensor, _ []float32) {
			x, y, o := in[0], in[1], out[0]
			switch {
			case mixed && !floatIn: // int64 ^ float32
				bc.rows(func(oi int, offs []int, n int, st []int) {
					for i := 0; i < n; i++ {
						o.I[oi+i] = int64(math.Pow(float64(x.I[offs[0]+i*st[0]]), float64(y.F[offs[1]+i*st[1]])))
					}
				})
			case mixed:
				bc.rows(func(oi int, offs []int, n int, st []int) {
					for i := 0; i < n; i++ {
						o.F[oi+i] = applyF(op, x.F[offs[0]+i*st[0]], float32(y.I[offs[1]+i*st[1]]))
					}
				})
			case floatIn && outDT == Float32 && sameAdd:
				addSame(o.F, x.F, y.F, relu)
			case floatIn && outDT == Float32:
				bc.rows(func(oi int, offs []int, n int, st []int) {
					rowF(op, o.F[oi:], x.F, offs[0], st[0], y.F, offs[1], st[1], n)
				})
				if relu {
					reluInPlace(o.F)
				}
			case floatIn: // Equal on floats
				bc.rows(func(oi int, offs []int, n int, st []int) {
					for i := 0; i < n; i++ {
						o.I[oi+i] = int64(applyF(op, x.F[offs[0]+i*st[0]], y.F[offs[1]+i*st[1]]))
					}
				})
			default:
				bc.rows(func(oi int, offs []int, n int, st []int) {
					for i := 0; i < n; i++ {
						o.I[oi+i] = applyI(op, x.I[offs[0]+i*st[0]], y.I[offs[1]+i*st[1]])
					}
				})
			}
		}}
		return []*info{{dt: outDT, shape: shape}}, k, nil
	}
}

// buildVariadic handles Sum, Mean, Max, Min over any number of inputs.
func buildVariadic(op binOp, mean bool) buildFn {
	return func(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
		if len(in) == 0 {
			return nil, nil, fmt.Errorf("needs at least one input")
		}
		var shapes [][]int
		dt := in[0].dt
		for i, x := range in {
			if x == nil {
				return nil, nil, fmt.Errorf("input %d is required", i)
			}
			if x.dt != dt || dt == Bool || (mean && dt != Float32) {
				return nil, nil, fmt.Errorf("input types must all be float32 or int64")
			}
			shapes = append(shapes, x.shape)
		}
		shape, err := broadcastShape(shapes...)
		if err != nil {
			return nil, nil, err
		}
		var bcs []*bcast
		for _, x := range in {
			bcs = append(bcs, newBcast(shape, shape, x.shape))
		}
		k := &kernel{run: func(in, out []*Tensor, _ []float32) {
			o := out[0]
			for j, x := range in {
				bcs[j].rows(func(oi int, offs []int, n int, st []int) {
					for i := 0; i < n; i++ {
						xo := offs[1] + i*st[1]
						if dt == Float32 {
							if j == 0 {
								o.F[oi+i] = x.F[xo]
							} else {
								o.F[oi+i] = applyF(op, o.F[oi+i], x.F[xo])
							}
						} else if j == 0 {
							o.I[oi+i] = x.I[xo]
						} else {
							o.I[oi+i] = applyI(op, o.I[oi+i], x.I[xo])
						}
					}
				})
			}
			if mean {
				s := 1 / float32(len(in))
				for i := range o.F {
					o.F[i] *= s
				}
			}
		}}
		return []*info{{dt: dt, shape: shape}}, k, nil
	}
}

func buildWhere(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 3); err != nil {
		return nil, nil, err
	}
	c, x, y := in[0], in[1], in[2]
	if c.dt != Bool || x.dt != y.dt {
		return nil, nil, fmt.Errorf("want a bool condition and two inputs of one type, got %v, %v, %v", c.dt, x.dt, y.dt)
	}
	shape, err := broadcastShape(c.shape, x.shape, y.shape)
	if err != nil {
		return nil, nil, err
	}
	bc := newBcast(shape, c.shape, x.shape, y.shape)
	dt := x.dt
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		cc, xx, yy, o := in[0], in[1], in[2], out[0]
		bc.rows(func(oi int, offs []int, n int, st []int) {
			for i := 0; i < n; i++ {
				pick := cc.I[offs[0]+i*st[0]] != 0
				if dt == Float32 {
					if pick {
						o.F[oi+i] = xx.F[offs[1]+i*st[1]]
					} else {
						o.F[oi+i] = yy.F[offs[2]+i*st[2]]
					}
				} else if pick {
					o.I[oi+i] = xx.I[offs[1]+i*st[1]]
				} else {
					o.I[oi+i] = yy.I[offs[2]+i*st[2]]
				}
			}
		})
	}}
	return []*info{{dt: dt, shape: shape}}, k, nil
}

func reluInPlace(x []float32) {
	for i, v := range x {
		x[i] = relu32(v)
	}
}

// buildUnary handles the float32 activation and math functions; Neg and
// Abs also take int64.
func buildUnary(op string) buildFn {
	return func(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
		if err := wantInputs(in, 1); err != nil {
			return nil, nil, err
		}
		x := in[0]
		if x.dt == Int64 && (op == "Neg" || op == "Abs") {
			k := &kernel{run: func(in, out []*Tensor, _ []float32) {
				for i, v := range in[0].I {
					if op == "Neg" || v < 0 {
						v = -v
					}
					out[0].I[i] = v
				}
			}}
			return []*info{{dt: Int64, shape: x.shape}}, k, nil
		}
		if err := wantFloat(in, 0); err != nil {
			return nil, nil, err
		}
		alpha := n.attrFloat("alpha", 0.01)
		var f func(dst, src []float32)
		switch op {
		case "Relu":
			f = vec.ReLU // vectorised, without a branch per element (clears negative NaNs, as the fused ReLU)
		case "LeakyRelu":
			f = func(d, s []float32) {
				for i, v := range s {
					if v < 0 {
						v *= alpha
					}
					d[i] = v
				}
			}
		case "Sigmoid":
			f = vec.Sigmoid // vectorised: SiLU is x*Sigmoid(x)
		default:
			g := map[string]func(float64) float64{"Tanh": math.Tanh, "Sqrt": math.Sqrt, "Exp": math.Exp,
				"Log": math.Log, "Neg": func(v float64) float64 { return -v }, "Abs": math.Abs}[op]
			f = func(d, s []float32) {
				for i, v := range s {
					d[i] = float32(g(float64(v)))
				}
			}
		}
		k := &kernel{run: func(in, out []*Tensor, _ []float32) { f(out[0].F, in[0].F) }}
		return []*info{{dt: Float32, shape: x.shape}}, k, nil
	}
}

func buildClip(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0, 1, 2); err != nil {
		return nil, nil, err
	}
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	if n.Opset < 11 {
		lo = n.attrFloat("min", lo)
		hi = n.attrFloat("max", hi)
	}
	hasLo, hasHi := input(in, 1) != nil, input(in, 2) != nil
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		l, h := lo, hi
		if hasLo {
			l = in[1].F[0]
		}
		if hasHi {
			h = in[2].F[0]
		}
		vec.Clip(out[0].F, in[0].F, l, h)
	}}
	for _, i := range []int{1, 2} {
		if x := input(in, i); x != nil && numel(x.shape) != 1 {
			return nil, nil, fmt.Errorf("min/max must be scalars")
		}
	}
	return []*info{{dt: Float32, shape: in[0].shape}}, k, nil
}

func checkCast(n *Node) error {
	_, err := dtypeOf(int32(n.attrInt("to", 0)))
	return err
}

func buildCast(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	elem := onnxpb.TensorProto_DataType(n.attrInt("to", 0))
	to, err := dtypeOf(int32(elem))
	if err != nil {
		return nil, nil, err
	}
	outs, k, err := castTo(in[0], to)
	if err != nil || (elem != onnxpb.TensorProto_FLOAT16 && elem != onnxpb.TensorProto_BFLOAT16) {
		return outs, k, err
	}
	// To a 16-bit float: computed in float32, rounded to its precision.
	round := roundFloat16
	if elem == onnxpb.TensorProto_BFLOAT16 {
		round = roundBFloat16
	}
	run := k.run
	k.run = func(in, out []*Tensor, sc []float32) {
		run(in, out, sc)
		for i, v := range out[0].F {
			out[0].F[i] = round(v)
		}
	}
	return outs, k, nil
}

// buildCastLike casts input 0 to the element type of input 1.
func buildCastLike(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	return castTo(in[0], in[1].dt)
}

// castTo converts x's elements to type to.
func castTo(x *info, to DType) ([]*info, *kernel, error) {
	from := x.dt
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		x, o := in[0], out[0]
		switch {
		case from == Float32 && to == Float32:
			copy(o.F, x.F)
		case from == Float32 && to == Int64:
			for i, v := range x.F {
				o.I[i] = int64(v)
			}
		case from == Float32 && to != Bool: // to a narrow integer: truncated, then wrapped
			for i, v := range x.F {
				o.I[i] = wrapInt(to, int64(v))
			}
		case from == Float32: // to Bool
			for i, v := range x.F {
				o.I[i] = 0
				if v != 0 {
					o.I[i] = 1
				}
			}
		case to == Float32:
			for i, v := range x.I {
				o.F[i] = float32(v)
			}
		case to == Bool:
			for i, v := range x.I {
				o.I[i] = 0
				if v != 0 {
					o.I[i] = 1
				}
			}
		case isNarrow(to):
			for i, v := range x.I {
				o.I[i] = wrapInt(to, v)
			}
		default:
			copy(o.I, x.I)
		}
	}}
	return []*info{{dt: to, shape: x.shape}}, k, nil
}

// identity-like: output 0 is a view of input 0.
func aliasKernel() *kernel {
	return &kernel{alias: true, run: func(in, out []*Tensor, _ []float32) {
		out[0].F, out[0].I = in[0].F, in[0].I
	}}
}

func buildIdentity(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	return []*info{{dt: in[0].dt, shape: in[0].shape}}, aliasKernel(), nil
}

func buildDropout(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	if n.Opset < 7 && n.attrInt("is_test", 0) == 0 {
		return nil, nil, fmt.Errorf("%w: training-mode dropout", ErrUnsupported)
	}
	outs := []*info{{dt: in[0].dt, shape: in[0].shape}, {dt: Bool, shape: in[0].shape}}
	if t := input(in, 2); t != nil && (t.c == nil || t.c.I[0] != 0) {
		if err := wantFloat(in, 0); err != nil {
			return nil, nil, err
		}
		return outs, &kernel{run: func(in, out []*Tensor, _ []float32) { dropoutTrain(n, in, out[0].F, out) }}, nil
	}
	k := &kernel{alias: true, run: func(in, out []*Tensor, _ []float32) {
		out[0].F, out[0].I = in[0].F, in[0].I
		if len(out) > 1 {
			for i := range out[1].I {
				out[1].I[i] = 1
			}
		}
	}}
	return outs, k, nil
}

// dropoutMask returns training-mode Dropout's mask and output scale for
// the run's inputs (nil when the run is not in training mode or the ratio
// is 0: every element kept, unscaled). The mask is drawn as ONNX's
// reference does, numpy's Mersenne Twister seeded with the node's seed
// attribute (0 when absent), so every run of a node draws the same mask.
func dropoutMask(n *Node, in []*Tensor) (mask []bool, scale float32) {
	if in[2].I[0] == 0 {
		return nil, 1
	}
	ratio := 0.5
	if len(in) > 1 && in[1] != nil {
		ratio = float64(in[1].F[0])
	}
	if ratio <= 0 {
		return nil, 1
	}
	r := newMT19937(uint32(n.attrInt("seed", 0)))
	mask = make([]bool, len(in[0].F))
	for i := range mask {
		mask[i] = r.float64() >= ratio
	}
	if ratio >= 1 {
		return mask, 0
	}
	return mask, float32(1 / (1 - ratio))
}

// dropoutTrain writes x with the mask applied into y (and the mask into
// out[1] when the node asks for it).
func dropoutTrain(n *Node, in []*Tensor, y []float32, out []*Tensor) {
	mask, scale := dropoutMask(n, in)
	for i, v := range in[0].F {
		if mask == nil || mask[i] {
			y[i] = v * scale
		} else {
			y[i] = 0
		}
	}
	if len(out) > 1 && out[1] != nil && out[1].I != nil {
		for i := range out[1].I {
			out[1].I[i] = 1
			if mask != nil && !mask[i] {
				out[1].I[i] = 0
			}
		}
	}
}

// backDropout: the gradient goes through the kept elements, scaled (the
// inference form is a view, differentiated by backAlias).
func backDropout(c *backCtx) error {
	if c.gin[0] == nil {
		return nil
	}
	mask, scale := dropoutMask(c.n, c.in)
	for i, g := range c.gout[0] {
		if mask == nil || mask[i] {
			c.gin[0][i] += g * scale
		}
	}
	return nil
}

func buildConstant(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	t, err := constantValue(n)
	if err != nil {
		return nil, nil, err
	}
	return []*info{constInfo(t)}, nil, nil
}

// constantValue decodes the value of a Constant node.
func constantValue(n *Node) (*Tensor, error) {
	switch {
	case n.has("value"):
		return tensorFromProto(n.attrTensor("value"), "")
	case n.has("value_float"):
		return &Tensor{DType: Float32, Shape: []int{}, F: []float32{n.attrFloat("value_float", 0)}}, nil
	case n.has("value_floats"):
		f := append([]float32{}, n.attrs["value_floats"].GetFloats()...)
		return &Tensor{DType: Float32, Shape: []int{len(f)}, F: f}, nil
	case n.has("value_int"):
		return &Tensor{DType: Int64, Shape: []int{}, I: []int64{n.attrInt("value_int", 0)}}, nil
	case n.has("value_ints"):
		v := append([]int64{}, n.attrs["value_ints"].GetInts()...)
		return &Tensor{DType: Int64, Shape: []int{len(v)}, I: v}, nil
	}
	return nil, fmt.Errorf("Constant without a supported value attribute (value, value_float(s), value_int(s))")
}

func checkConstant(n *Node) error {
	if n.has("sparse_value") || n.has("value_string") || n.has("value_strings") {
		return fmt.Errorf("sparse and string constants are not supported")
	}
	if t := n.attrTensor("value"); t != nil {
		_, err := dtypeOf(t.GetDataType())
		return err
	}
	return nil
}

// addSame is o = a + b (then ReLU if relu) for same-shaped float32
// tensors (a ResNet's residual connection) in one pass, split over the
// goroutines of forPlanes when big.
func addSame(o, a, b []float32, relu bool) {
	n := len(o)
	const chunk = 1 << 12
	forPlanes((n+chunk-1)/chunk, n, func(lo, hi int) {
		lo, hi = lo*chunk, min(n, hi*chunk)
		o, a, b := o[lo:hi], a[lo:hi], b[lo:hi]
		if relu {
			vec.AddReLU(o, a, b) // relu32 of each sum
			return
		}
		vec.Add(o, a, b)
	})
}
