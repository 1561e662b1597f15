package importer

import (
	"fmt"
	"math"
	"strings"
)

// buildBroadcast2 is the common part of the broadcasting two-input
// operators below: it checks the inputs and returns the output shape and
// the iterator.
func buildBroadcast2(in []*info) ([]int, *bcast, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	shape, err := broadcastShape(in[0].shape, in[1].shape)
	if err != nil {
		return nil, nil, err
	}
	return shape, newBcast(shape, in[0].shape, in[1].shape), nil
}

// buildCompare handles Less, Greater, LessOrEqual, GreaterOrEqual and
// Equal on bool inputs: float32 or int64 (or bool) operands of one type,
// a bool result.
func buildCompare(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	shape, bc, err := buildBroadcast2(in)
	if err != nil {
		return nil, nil, err
	}
	if in[0].dt != in[1].dt {
		return nil, nil, fmt.Errorf("input types %v and %v differ", in[0].dt, in[1].dt)
	}
	var cmp func(a, b float64) bool
	switch n.Op {
	case "Less":
		cmp = func(a, b float64) bool { return a < b }
	case "Greater":
		cmp = func(a, b float64) bool { return a > b }
	case "LessOrEqual":
		cmp = func(a, b float64) bool { return a <= b }
	case "GreaterOrEqual":
		cmp = func(a, b float64) bool { return a >= b }
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		a, b, o := in[0], in[1], out[0].I
		bc.rows(func(oi int, offs []int, n int, st []int) {
			for i := 0; i < n; i++ {
				o[oi+i] = 0
				if cmp(a.floatAt(offs[0]+i*st[0]), b.floatAt(offs[1]+i*st[1])) {
					o[oi+i] = 1
				}
			}
		})
	}}
	return []*info{{dt: Bool, shape: shape}}, k, nil
}

// buildLogic handles And, Or and Xor on bool tensors.
func buildLogic(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	shape, bc, err := buildBroadcast2(in)
	if err != nil {
		return nil, nil, err
	}
	if in[0].dt != Bool || in[1].dt != Bool {
		return nil, nil, fmt.Errorf("inputs are %v and %v, want bool", in[0].dt, in[1].dt)
	}
	return []*info{{dt: Bool, shape: shape}}, andOrXor(bc, strings.TrimPrefix(n.Op, "Bitwise")), nil
}

// andOrXor is the kernel of And/Or/Xor on the I data of two broadcast
// inputs (bool tensors hold 0 and 1, so the bitwise operators serve them
// and the Bitwise* operators alike); op is "And", "Or" or "Xor".
func andOrXor(bc *bcast, op string) *kernel {
	return &kernel{run: func(in, out []*Tensor, _ []float32) {
		a, b, o := in[0].I, in[1].I, out[0].I
		bc.rows(func(oi int, offs []int, n int, st []int) {
			for i := 0; i < n; i++ {
				x, y := a[offs[0]+i*st[0]], b[offs[1]+i*st[1]]
				switch op {
				case "And":
					o[oi+i] = x & y
				case "Or":
					o[oi+i] = x | y
				default:
					o[oi+i] = x ^ y
				}
			}
		})
	}}
}

// buildMod handles Mod: with fmod=0 (integers only) the remainder takes
// the divisor's sign, as Python's %; with fmod=1 the dividend's, as C's
// fmod.
func buildMod(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	shape, bc, err := buildBroadcast2(in)
	if err != nil {
		return nil, nil, err
	}
	dt := in[0].dt
	if dt != in[1].dt || dt == Bool {
		return nil, nil, fmt.Errorf("input types %v and %v", in[0].dt, in[1].dt)
	}
	fmod := n.attrInt("fmod", 0) != 0
	if dt == Float32 && !fmod {
		return nil, nil, fmt.Errorf("float inputs need fmod=1")
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		a, b, o := in[0], in[1], out[0]
		bc.rows(func(oi int, offs []int, n int, st []int) {
			for i := 0; i < n; i++ {
				ia, ib := offs[0]+i*st[0], offs[1]+i*st[1]
				if dt == Float32 {
					o.F[oi+i] = float32(math.Mod(float64(a.F[ia]), float64(b.F[ib])))
					continue
				}
				x, y := a.I[ia], b.I[ib]
				if y == 0 {
					badInput("integer Mod by zero")
				}
				r := x % y
				if !fmod && r != 0 && (r < 0) != (y < 0) {
					r += y
				}
				o.I[oi+i] = r
			}
		})
	}}
	return []*info{{dt: dt, shape: shape}}, k, nil
}

// buildPRelu: y = x where x >= 0, slope·x elsewhere, the slope broadcast
// to x's shape.
func buildPRelu(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	shape, bc, err := buildBroadcast2(in)
	if err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0, 1); err != nil {
		return nil, nil, err
	}
	if !sameShape(shape, in[0].shape) {
		return nil, nil, fmt.Errorf("%w: slope %v does not broadcast to x %v", ErrShape, in[1].shape, in[0].shape)
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		x, s, o := in[0].F, in[1].F, out[0].F
		bc.rows(func(oi int, offs []int, n int, st []int) {
			for i := 0; i < n; i++ {
				v := x[offs[0]+i*st[0]]
				if v < 0 {
					v *= s[offs[1]+i*st[1]]
				}
				o[oi+i] = v
			}
		})
	}}
	return []*info{{dt: Float32, shape: shape}}, k, nil
}

func backPRelu(c *backCtx) error {
	x, s := c.in[0], c.in[1]
	gx, gs, gy := c.gin[0], c.gin[1], c.gout[0]
	bc := newBcast(c.out[0].Shape, x.Shape, s.Shape)
	bc.rows(func(oi int, offs []int, n int, st []int) {
		for i := 0; i < n; i++ {
			ix, is := offs[0]+i*st[0], offs[1]+i*st[1]
			g := gy[oi+i]
			if x.F[ix] >= 0 {
				if gx != nil {
					gx[ix] += g
				}
				continue
			}
			if gx != nil {
				gx[ix] += g * s.F[is]
			}
			if gs != nil {
				gs[is] += g * x.F[ix]
			}
		}
	})
	return nil
}

// buildBitwise handles BitwiseAnd, BitwiseOr, BitwiseXor (broadcasting)
// and BitwiseNot on integer tensors.
func buildBitwise(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if n.Op == "BitwiseNot" {
		if err := wantInputs(in, 1); err != nil {
			return nil, nil, err
		}
		dt := in[0].dt
		if dt != Int64 && !isNarrow(dt) {
			return nil, nil, fmt.Errorf("%w: BitwiseNot of %v", ErrUnsupported, in[0].dt)
		}
		k := &kernel{run: func(in, out []*Tensor, _ []float32) {
			for i, v := range in[0].I {
				out[0].I[i] = ^v
			}
		}}
		return []*info{{dt: dt, shape: in[0].shape}}, k, nil // narrow types wrapped by narrowKernel
	}
	shape, bc, err := buildBroadcast2(in)
	if err != nil {
		return nil, nil, err
	}
	if dt := in[0].dt; dt != in[1].dt || (dt != Int64 && !isNarrow(dt)) {
		return nil, nil, fmt.Errorf("%w: %s of %v and %v", ErrUnsupported, n.Op, in[0].dt, in[1].dt)
	}
	return []*info{{dt: in[0].dt, shape: shape}}, andOrXor(bc, strings.TrimPrefix(n.Op, "Bitwise")), nil
}
