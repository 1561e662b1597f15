package importer

import (
	"fmt"
	"math"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// Linear quantization (QuantizeLinear, DequantizeLinear,
// DynamicQuantizeLinear): y = saturate(round_half_even(x / scale) + zero_point)
// and x = (y - zero_point) * scale, in float32 as onnxruntime computes
// them, with one scale for the tensor, one per slice along an axis, or
// one per block of block_size slices (opset 21).

// qparams maps each element of a tensor onto its scale and zero point.
type qparams struct {
	idx []int32 // element -> parameter index; nil: one parameter
}

// at is the parameter index of element i.
func (q *qparams) at(i int) int {
	if q.idx == nil {
		return 0
	}
	return int(q.idx[i])
}

// quantParams checks the shapes of a scale and its zero point against x
// (inputs si and si+1 of n) and returns the mapping.
func quantParams(n *Node, x, scale, zp *info) (*qparams, error) {
	if zp != nil && !sameShape(scale.shape, zp.shape) {
		return nil, fmt.Errorf("scale shape %v and zero point shape %v differ", scale.shape, zp.shape)
	}
	rank := len(x.shape)
	block := int(n.attrInt("block_size", 0))
	switch {
	case block < 0:
		return nil, fmt.Errorf("block_size %d is negative", block)
	case len(scale.shape) == 0 || (len(scale.shape) == 1 && scale.shape[0] == 1 && block == 0):
		return &qparams{}, nil // per tensor
	case n.Opset < 13:
		return nil, fmt.Errorf("scale has shape %v; before opset 13 it must be a scalar", scale.shape)
	}
	axis, err := normAxis(int(n.attrInt("axis", 1)), rank)
	if err != nil {
		return nil, fmt.Errorf("per-axis scale %v: %w", scale.shape, err)
	}
	d := x.shape[axis]
	inner := numel(x.shape[axis+1:])
	total := numel(x.shape)
	q := &qparams{idx: make([]int32, total)}
	if block == 0 {
		if len(scale.shape) != 1 || scale.shape[0] != d {
			return nil, fmt.Errorf("per-axis scale has shape %v; want [%d] (axis %d of input %v)", scale.shape, d, axis, x.shape)
		}
		for i := range q.idx {
			q.idx[i] = int32(i / inner % d)
		}
		return q, nil
	}
	nb := (d + block - 1) / block
	want := append([]int{}, x.shape...)
	want[axis] = nb
	if !sameShape(scale.shape, want) {
		return nil, fmt.Errorf("blocked scale has shape %v; want %v (block_size %d along axis %d of input %v)", scale.shape, want, block, axis, x.shape)
	}
	for i := range q.idx {
		o, a, j := i/(inner*d), i/inner%d, i%inner
		q.idx[i] = int32((o*nb+a/block)*inner + j)
	}
	return q, nil
}

// quantType is the element type a QuantizeLinear node writes: its zero
// point's, else its output_dtype attribute's (opset 21), else uint8.
func quantType(n *Node, zp *info) (DType, error) {
	if zp != nil {
		if !isNarrow(zp.dt) {
			return 0, fmt.Errorf("%w: zero point of type %v (uint8, int8, uint16 and int16 are supported)", ErrUnsupported, zp.dt)
		}
		if od := n.attrInt("output_dtype", 0); od != 0 && DType(od) != zp.dt {
			return 0, fmt.Errorf("output_dtype %v differs from the zero point's type %v", onnxpb.TensorProto_DataType(od), zp.dt)
		}
		return zp.dt, nil
	}
	od := n.attrInt("output_dtype", 0)
	if od == 0 {
		return Uint8, nil
	}
	if !isNarrow(DType(od)) {
		return 0, fmt.Errorf("%w: quantization to %v (uint8, int8, uint16 and int16 are supported)", ErrUnsupported, onnxpb.TensorProto_DataType(od))
	}
	return DType(od), nil
}

// checkQuant refuses a computation precision other than float32.
func checkQuant(n *Node) error {
	if p := n.attrInt("precision", 0); p != 0 && p != int64(onnxpb.TensorProto_FLOAT) {
		return fmt.Errorf("precision %v (float32 is supported)", onnxpb.TensorProto_DataType(p))
	}
	return nil
}

// quantizeOne is round_half_even(x / scale) + zp, saturated to dt.
func quantizeOne(x, scale float32, zp int64, dt DType) int64 {
	v := math.RoundToEven(float64(x / scale))
	lo, hi := intRange(dt)
	switch {
	case v != v:
		return saturate(dt, zp)
	case v+float64(zp) <= float64(lo):
		return lo
	case v+float64(zp) >= float64(hi):
		return hi
	}
	return int64(v) + zp
}

func buildQuantizeLinear(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	x, scale, zp := in[0], in[1], input(in, 2)
	if x.dt != Float32 && x.dt != Int64 {
		return nil, nil, fmt.Errorf("%w: input of type %v (float and int32 are supported)", ErrUnsupported, x.dt)
	}
	if scale.dt != Float32 {
		return nil, nil, fmt.Errorf("scale of type %v; want a float", scale.dt)
	}
	dt, err := quantType(n, zp)
	if err != nil {
		return nil, nil, err
	}
	q, err := quantParams(n, x, scale, zp)
	if err != nil {
		return nil, nil, err
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		x, s, o := in[0], in[1].F, out[0].I
		var z []int64
		if len(in) > 2 && in[2] != nil {
			z = in[2].I
		}
		for i := range o {
			p := q.at(i)
			var zv int64
			if z != nil {
				zv = z[p]
			}
			v := x.floatAt(i)
			o[i] = quantizeOne(float32(v), s[p], zv, dt)
		}
	}}
	return []*info{{dt: dt, shape: x.shape}}, k, nil
}

func buildDequantizeLinear(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	x, scale, zp := in[0], in[1], input(in, 2)
	if !isNarrow(x.dt) && x.dt != Int64 {
		return nil, nil, fmt.Errorf("%w: input of type %v (uint8, int8, uint16, int16 and int32 are supported)", ErrUnsupported, x.dt)
	}
	if zp != nil && zp.dt != x.dt {
		return nil, nil, fmt.Errorf("zero point of type %v for input of type %v", zp.dt, x.dt)
	}
	if scale.dt != Float32 {
		return nil, nil, fmt.Errorf("scale of type %v; want a float", scale.dt)
	}
	switch od := onnxpb.TensorProto_DataType(n.attrInt("output_dtype", 0)); od {
	case 0, onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16:
	default:
		return nil, nil, fmt.Errorf("%w: dequantization to %v", ErrUnsupported, od)
	}
	q, err := quantParams(n, x, scale, zp)
	if err != nil {
		return nil, nil, err
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		x, s, o := in[0].I, in[1].F, out[0].F
		var z []int64
		if len(in) > 2 && in[2] != nil {
			z = in[2].I
		}
		for i, v := range x {
			p := q.at(i)
			if z != nil {
				v -= z[p]
			}
			o[i] = float32(v) * s[p]
		}
	}}
	return []*info{{dt: Float32, shape: x.shape}}, k, nil
}

// buildDynamicQuantizeLinear quantizes x to uint8 with the scale and zero
// point that map [min(x, 0), max(x, 0)] onto [0, 255], as onnxruntime
// computes them (scale 1 when x is all zeros).
func buildDynamicQuantizeLinear(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0); err != nil {
		return nil, nil, err
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		lo, hi := float32(0), float32(0)
		for _, v := range in[0].F {
			lo, hi = min(lo, v), max(hi, v)
		}
		scale := float32(1)
		if hi != lo {
			scale = (hi - lo) / 255
		}
		zp := int64(math.RoundToEven(float64(min(max(0-lo/scale, 0), 255))))
		for i, v := range in[0].F {
			out[0].I[i] = quantizeOne(v, scale, zp, Uint8)
		}
		out[1].F[0] = scale
		out[2].I[0] = zp
	}}
	return []*info{{dt: Uint8, shape: in[0].shape}, {dt: Float32, shape: []int{}}, {dt: Uint8, shape: []int{}}}, k, nil
}
