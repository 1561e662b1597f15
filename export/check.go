package export

import (
	"errors"
	"fmt"

	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// unknown is the element type of a value whose type the builder does not
// infer (the output of an operator without a typing rule below).
const unknown dtype.DType = 0

// sameType lists operators whose inputs all share one element type, which
// is also the output's.
var sameType = map[string]bool{
	"Add": true, "Sub": true, "Mul": true, "Div": true, "MatMul": true, "Gemm": true,
	"Relu": true, "Tanh": true, "Sigmoid": true, "Neg": true, "Abs": true, "Sqrt": true,
	"Exp": true, "Log": true, "Identity": true, "Max": true, "Min": true, "Sum": true,
	"Concat": true,
}

// firstThenInt64 lists operators whose output has the element type of the
// first input and whose other inputs are int64 (axes, shapes, indices).
var firstThenInt64 = map[string]bool{
	"ReduceSum": true, "Unsqueeze": true, "Squeeze": true, "Reshape": true,
	"Expand": true, "Gather": true, "Transpose": true, "Flatten": true,
	"ReduceMean": true, "ReduceMax": true, "ReduceSumSquare": true,
}

// outputType returns the element type of a node's outputs given its input
// types, or an error when the inputs break the operator's typing rule.
func outputType(n *onnxpb.NodeProto, in []dtype.DType) (dtype.DType, error) {
	op := n.GetOpType()
	switch {
	case sameType[op]:
		t := unknown
		for i, x := range in {
			if x == unknown {
				continue
			}
			if t != unknown && x != t {
				return unknown, fmt.Errorf("input %d (%s) is %s, earlier inputs are %s", i, n.Input[i], typeName(x), typeName(t))
			}
			t = x
		}
		return t, nil
	case firstThenInt64[op]:
		for i := 1; i < len(in); i++ {
			if in[i] != unknown && in[i] != dtype.Int64 && n.Input[i] != "" {
				return unknown, fmt.Errorf("input %d (%s) is %s, want int64", i, n.Input[i], typeName(in[i]))
			}
		}
		if len(in) == 0 {
			return unknown, nil
		}
		return in[0], nil
	case op == "Shape":
		return dtype.Int64, nil
	case op == "Cast":
		for _, a := range n.Attribute {
			if a.GetName() == "to" {
				return dtype.DType(a.GetI()), nil
			}
		}
		return unknown, errors.New("Cast without a \"to\" attribute")
	case op == "Constant":
		for _, a := range n.Attribute {
			if a.GetName() == "value" && a.GetT() != nil {
				return dtype.DType(a.GetT().GetDataType()), nil
			}
		}
	}
	return unknown, nil
}

// typeName is ONNX's lower-case name of t (float32, float64, int64,
// int32, undefined, ...), as `hierlearn inspect` prints element types.
func typeName(t dtype.DType) string { return elemName(int32(t)) }

// elemSize is the byte width of the element types Tensor writes.
var elemSize = map[dtype.DType]int{dtype.Float32: 4, dtype.Float64: 8, dtype.Int64: 8}

// checkTensor reports whether t's data fits its dims.
func checkTensor(t *onnxpb.TensorProto) error {
	n := int64(1)
	for _, d := range t.Dims {
		if d < 0 {
			return fmt.Errorf("dims %v: negative dimension", t.Dims)
		}
		n *= d
	}
	w, ok := elemSize[dtype.DType(t.GetDataType())]
	if !ok {
		return fmt.Errorf("element type %s not written by the builder", elemName(t.GetDataType()))
	}
	if int64(len(t.RawData)) != n*int64(w) {
		return fmt.Errorf("dims %v want %d elements, data has %d", t.Dims, n, len(t.RawData)/w)
	}
	return nil
}

func elemType(v *onnxpb.ValueInfoProto) dtype.DType {
	return dtype.DType(v.GetType().GetTensorType().GetElemType())
}

// check runs the checks that Build documents and joins every error found.
func (g *Graph) check() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, ok := irVersion[g.opset]; !ok {
		fail("%w %d (the builder writes 13 and 17-21)", ErrOpset, g.opset)
	}
	if g.name == "" {
		fail("the graph has no name")
	}
	types := map[string]dtype.DType{}
	define := func(name, what string, t dtype.DType) {
		if name == "" {
			fail("%s has an empty name", what)
			return
		}
		if _, dup := types[name]; dup {
			fail("value name %q defined twice (again by %s)", name, what)
			return
		}
		types[name] = t
	}
	for _, v := range g.inputs {
		t := elemType(v)
		if _, ok := elemSize[t]; !ok {
			fail("input %q: element type %s not supported", v.GetName(), typeName(t))
		}
		define(v.GetName(), "input "+v.GetName(), t)
	}
	for _, t := range g.inits {
		if err := checkTensor(t); err != nil {
			fail("initializer %q: %w", t.GetName(), err)
		}
		define(t.GetName(), "initializer "+t.GetName(), dtype.DType(t.GetDataType()))
	}
	producedBy := map[string]int{}
	for i, n := range g.nodes {
		for _, o := range n.Output {
			if _, ok := producedBy[o]; !ok {
				producedBy[o] = i
			}
		}
	}
	nodeNames := map[string]bool{}
	for i, n := range g.nodes {
		where := fmt.Sprintf("node %d (%s %q)", i, n.GetOpType(), n.GetName())
		switch {
		case n.GetName() == "":
			fail("%s has no name", where)
		case nodeNames[n.GetName()]:
			fail("%s: node name used twice", where)
		}
		nodeNames[n.GetName()] = true
		if n.GetOpType() == "" {
			fail("%s has no operator", where)
		}
		if len(n.Output) == 0 {
			fail("%s has no outputs", where)
		}
		in := make([]dtype.DType, len(n.Input))
		ok := true
		for k, x := range n.Input {
			if x == "" { // an omitted optional input
				continue
			}
			t, defined := types[x]
			if !defined {
				ok = false
				if j, later := producedBy[x]; later && j >= i {
					fail("%s: input %q is produced by a later node %d (nodes must be in topological order)", where, x, j)
				} else {
					fail("%s: input %q is not defined", where, x)
				}
				continue
			}
			in[k] = t
		}
		out := unknown
		if ok {
			var err error
			if out, err = outputType(n, in); err != nil {
				fail("%s: %w", where, err)
			}
		}
		for _, o := range n.Output {
			define(o, where, out)
		}
	}
	if len(g.outputs) == 0 {
		fail("the graph has no outputs")
	}
	outNames := map[string]bool{}
	for _, v := range g.outputs {
		name := v.GetName()
		if outNames[name] {
			fail("output %q declared twice", name)
		}
		outNames[name] = true
		t, defined := types[name]
		switch {
		case !defined:
			fail("output %q is not produced by any node, input or initializer", name)
		case t != unknown && t != elemType(v):
			fail("output %q is declared %s but computed as %s", name, typeName(elemType(v)), typeName(t))
		}
	}
	return errors.Join(errs...)
}
