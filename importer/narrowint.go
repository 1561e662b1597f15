package importer

import (
	"encoding/binary"
	"fmt"

	"github.com/hierlearn/hierlearn/dtype"
)

// The narrow integer element types of quantized models. Their values live
// in Tensor.I as int64, always within the type's range.
const (
	Uint8  = dtype.Uint8
	Int8   = dtype.Int8
	Uint16 = dtype.Uint16
	Int16  = dtype.Int16
)

// isNarrow reports whether dt is one of the narrow integer types.
func isNarrow(dt DType) bool {
	switch dt {
	case Uint8, Int8, Uint16, Int16:
		return true
	}
	return false
}

// intRange is the range of values of a narrow integer type (of int64 for
// any other type).
func intRange(dt DType) (lo, hi int64) {
	switch dt {
	case Uint8:
		return 0, 255
	case Int8:
		return -128, 127
	case Uint16:
		return 0, 65535
	case Int16:
		return -32768, 32767
	}
	return -1 << 63, 1<<63 - 1
}

// wrapInt reduces v modulo the width of a narrow integer type, as C and
// numpy do on overflow (other types: v unchanged).
func wrapInt(dt DType, v int64) int64 {
	switch dt {
	case Uint8:
		return int64(uint8(v))
	case Int8:
		return int64(int8(v))
	case Uint16:
		return int64(uint16(v))
	case Int16:
		return int64(int16(v))
	}
	return v
}

// saturate clamps v to the range of dt.
func saturate(dt DType, v int64) int64 {
	lo, hi := intRange(dt)
	return min(max(v, lo), hi)
}

// narrowFromRaw decodes n little-endian values of a narrow integer type.
func narrowFromRaw(dt DType, raw []byte, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		switch dt {
		case Uint8:
			out[i] = int64(raw[i])
		case Int8:
			out[i] = int64(int8(raw[i]))
		case Uint16:
			out[i] = int64(binary.LittleEndian.Uint16(raw[2*i:]))
		case Int16:
			out[i] = int64(int16(binary.LittleEndian.Uint16(raw[2*i:])))
		}
	}
	return out
}

// narrowExact are the operators whose int64 kernels give exact results on
// narrow integer inputs: they move, select or compare values.
var narrowExact = map[string]bool{
	"Identity": true, "Reshape": true, "Flatten": true, "Squeeze": true, "Unsqueeze": true,
	"Transpose": true, "Concat": true, "Split": true, "Slice": true, "Gather": true,
	"GatherElements": true, "GatherND": true, "Expand": true, "Tile": true, "Shape": true,
	"Size": true, "Where": true, "Equal": true, "Less": true, "Greater": true,
	"LessOrEqual": true, "GreaterOrEqual": true, "Max": true, "Min": true,
	"ReduceMax": true, "ReduceMin": true, "DepthToSpace": true, "SpaceToDepth": true,
	"Compress": true, "Trilu": true, "ArgMax": true, "ArgMin": true, "Cast": true,
	"CastLike": true, "Constant": true, "ConstantOfShape": true,
}

// narrowWrapped are the operators whose int64 results on narrow integer
// inputs are reduced to the output type's width afterwards (arithmetic
// wraps around, as in ONNX's reference and onnxruntime).
var narrowWrapped = map[string]bool{
	"Add": true, "Sub": true, "Mul": true, "Div": true, "Neg": true, "Abs": true,
	"Sum": true, "ReduceSum": true, "CumSum": true, "Mod": true,
	"BitwiseAnd": true, "BitwiseOr": true, "BitwiseXor": true, "BitwiseNot": true,
}

// narrowQuant are the operators that handle narrow integer types
// themselves (the quantization operators).
var narrowQuant = map[string]bool{
	"QuantizeLinear": true, "DequantizeLinear": true, "DynamicQuantizeLinear": true,
	"QLinearConv": true, "QLinearMatMul": true, "MatMulInteger": true, "ConvInteger": true,
}

// narrowKernel vets a built node for narrow integer types: the operators
// of narrowQuant and narrowExact run as built, those of narrowWrapped get
// their integer outputs wrapped to their type's width, and any other
// operator with a narrow integer input or output is refused
// (ErrUnsupported), so that no kernel computes on them unchecked.
func narrowKernel(n *Node, ins, outs []*info, k *kernel) (*kernel, error) {
	var narrow DType
	for _, x := range ins {
		if x != nil && isNarrow(x.dt) {
			narrow = x.dt
		}
	}
	var wrap []int
	var wrapDT []DType
	for i, o := range outs {
		if o != nil && isNarrow(o.dt) {
			narrow = o.dt
			wrap, wrapDT = append(wrap, i), append(wrapDT, o.dt)
		}
	}
	switch {
	case narrow == 0 || k == nil || narrowQuant[n.Op] || narrowExact[n.Op] || narrowViaFloat[n.Op]:
		return k, nil
	case !narrowWrapped[n.Op]:
		return nil, fmt.Errorf("%w element type %v for operator %s (the quantization operators, data movement, comparisons and integer arithmetic take it)", ErrUnsupported, narrow, n.Op)
	}
	run := k.run
	wrapped := *k
	wrapped.run = func(in, out []*Tensor, sc []float32) {
		run(in, out, sc)
		for w, i := range wrap {
			dt := wrapDT[w]
			for j, v := range out[i].I {
				out[i].I[j] = wrapInt(dt, v)
			}
		}
	}
	return &wrapped, nil
}

// narrowViaFloat are the operators that take narrow integers by running
// their float32 kernel on them: every narrow integer is exact in float32
// and these only select or clamp values, so the results are exact too.
var narrowViaFloat = map[string]bool{"MaxPool": true, "GlobalMaxPool": true, "Clip": true}

// buildNode builds n: through buildFloat64 when it reads or writes
// float64 values, through buildViaFloat for a narrowViaFloat operator on
// narrow integers, else with its registry entry.
func buildNode(n *Node, ins []*info, env *buildEnv) ([]*info, *kernel, error) {
	if usesFloat64(n, ins) {
		return buildFloat64(n, ins, env)
	}
	if narrowViaFloat[n.Op] && len(ins) > 0 && ins[0] != nil && isNarrow(ins[0].dt) {
		return buildViaFloat(n, ins, env)
	}
	return n.def().build(n, ins, env)
}

// buildViaFloat builds n's float32 kernel for its narrow integer inputs
// (all of one type) and wraps it to convert them in and output 0 back.
func buildViaFloat(n *Node, ins []*info, env *buildEnv) ([]*info, *kernel, error) {
	dt := ins[0].dt
	fin := make([]*info, len(ins))
	conv := make([]bool, len(ins))
	for i, x := range ins {
		fin[i] = x
		if x == nil || !isNarrow(x.dt) {
			continue
		}
		if x.dt != dt {
			return nil, nil, fmt.Errorf("input types %v and %v differ", dt, x.dt)
		}
		fin[i], conv[i] = &info{dt: Float32, shape: x.shape}, true
		if x.c != nil {
			fin[i].c = toFloat32(x.c)
		}
	}
	outs, k, err := n.def().build(n, fin, env)
	if err != nil || len(outs) == 0 || outs[0].dt != Float32 {
		return outs, k, err
	}
	outs[0] = &info{dt: dt, shape: outs[0].shape}
	if k == nil {
		return outs, nil, fmt.Errorf("%w: %s folded on %v", ErrUnsupported, n.Op, dt)
	}
	run := k.run
	return outs, &kernel{scratch: k.scratch, run: func(in, out []*Tensor, sc []float32) {
		fi := make([]*Tensor, len(in))
		for i, t := range in {
			fi[i] = t
			if t != nil && conv[i] {
				fi[i] = toFloat32(t)
			}
		}
		fo := append([]*Tensor{}, out...)
		fo[0] = &Tensor{DType: Float32, Shape: out[0].Shape, F: make([]float32, len(out[0].I))}
		run(fi, fo, sc)
		for i, v := range fo[0].F {
			out[0].I[i] = int64(v)
		}
	}}, nil
}

// toFloat32 converts an integer tensor to float32.
func toFloat32(t *Tensor) *Tensor {
	f := &Tensor{DType: Float32, Shape: t.Shape, F: make([]float32, len(t.I))}
	for i, v := range t.I {
		f.F[i] = float32(v)
	}
	return f
}
