package export

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// Dump writes a readable, deterministic listing of a model: header,
// metadata, inputs, initializers (shape, a few leading values and the sum
// of squares), nodes with their attributes, outputs. The golden files of
// the exporters' tests are such dumps, so that a change to an exporter
// shows up in review. The producer version is left out (it changes with
// every commit).
func Dump(w io.Writer, model *Model) error {
	m := model.proto
	var b strings.Builder
	fmt.Fprintf(&b, "ir_version %d, producer %s\n", m.GetIrVersion(), m.GetProducerName())
	for _, o := range m.OpsetImport {
		fmt.Fprintf(&b, "opset %s %d\n", domainName(o.GetDomain()), o.GetVersion())
	}
	if d := m.GetDocString(); d != "" {
		fmt.Fprintf(&b, "doc %q\n", d)
	}
	for _, e := range m.MetadataProps {
		fmt.Fprintf(&b, "metadata %s = %s\n", e.GetKey(), e.GetValue())
	}
	g := m.GetGraph()
	fmt.Fprintf(&b, "graph %s\n", g.GetName())
	for _, v := range g.Input {
		fmt.Fprintf(&b, "input %s %s\n", v.GetName(), typeString(v))
	}
	for _, t := range g.Initializer {
		fmt.Fprintf(&b, "init %s %s%s %s\n", t.GetName(), elemName(t.GetDataType()), dimsString(t.Dims), tensorPreview(t))
	}
	for _, n := range g.Node {
		fmt.Fprintf(&b, "node %s: %s(%s) -> %s", n.GetName(), opName(n), strings.Join(n.Input, ", "), strings.Join(n.Output, ", "))
		if len(n.Attribute) > 0 {
			var as []string
			for _, a := range n.Attribute {
				as = append(as, a.GetName()+"="+attrString(a))
			}
			fmt.Fprintf(&b, " {%s}", strings.Join(as, ", "))
		}
		b.WriteString("\n")
		if d := n.GetDocString(); d != "" {
			fmt.Fprintf(&b, "  doc %q\n", d)
		}
	}
	for _, v := range g.Output {
		fmt.Fprintf(&b, "output %s %s", v.GetName(), typeString(v))
		if d := v.GetDocString(); d != "" {
			fmt.Fprintf(&b, "  doc %q", d)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func domainName(d string) string {
	if d == "" {
		return "ai.onnx"
	}
	return d
}

func opName(n *onnxpb.NodeProto) string {
	if d := n.GetDomain(); d != "" {
		return d + "." + n.GetOpType()
	}
	return n.GetOpType()
}

// elemName is the lower-case name of an ONNX element type ("float" is
// written float32, "double" float64).
func elemName(t int32) string {
	switch onnxpb.TensorProto_DataType(t) {
	case onnxpb.TensorProto_FLOAT:
		return "float32"
	case onnxpb.TensorProto_DOUBLE:
		return "float64"
	}
	return strings.ToLower(onnxpb.TensorProto_DataType(t).String())
}

func dimsString(dims []int64) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(s, ",") + "]"
}

// typeString formats a value's tensor type, symbolic dimensions by name
// and unknown ones as "?": float32[N,20].
func typeString(v *onnxpb.ValueInfoProto) string {
	tt := v.GetType().GetTensorType()
	if tt == nil {
		return "(not a tensor)"
	}
	shape := tt.GetShape()
	if shape == nil {
		return elemName(tt.GetElemType()) + "[unknown rank]"
	}
	s := make([]string, len(shape.Dim))
	for i, d := range shape.Dim {
		switch {
		case d.GetDimParam() != "":
			s[i] = d.GetDimParam()
		case d.Value != nil:
			s[i] = fmt.Sprint(d.GetDimValue())
		default:
			s[i] = "?"
		}
	}
	return elemName(tt.GetElemType()) + "[" + strings.Join(s, ",") + "]"
}

// tensorValues decodes the elements of a float32, float64 or int64 tensor
// (raw_data or the typed fields) as float64; ok is false for other types
// or inconsistent data.
func tensorValues(t *onnxpb.TensorProto) (v []float64, ok bool) {
	raw := t.RawData
	switch onnxpb.TensorProto_DataType(t.GetDataType()) {
	case onnxpb.TensorProto_FLOAT:
		if raw == nil {
			for _, x := range t.FloatData {
				v = append(v, float64(x))
			}
			return v, true
		}
		if len(raw)%4 != 0 {
			return nil, false
		}
		for i := 0; i < len(raw); i += 4 {
			v = append(v, float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[i:]))))
		}
	case onnxpb.TensorProto_DOUBLE:
		if raw == nil {
			return append(v, t.DoubleData...), true
		}
		if len(raw)%8 != 0 {
			return nil, false
		}
		for i := 0; i < len(raw); i += 8 {
			v = append(v, math.Float64frombits(binary.LittleEndian.Uint64(raw[i:])))
		}
	case onnxpb.TensorProto_INT64:
		if raw == nil {
			for _, x := range t.Int64Data {
				v = append(v, float64(x))
			}
			return v, true
		}
		if len(raw)%8 != 0 {
			return nil, false
		}
		for i := 0; i < len(raw); i += 8 {
			v = append(v, float64(int64(binary.LittleEndian.Uint64(raw[i:]))))
		}
	default:
		return nil, false
	}
	return v, true
}

// tensorPreview shows up to four leading values and the sum of squares.
func tensorPreview(t *onnxpb.TensorProto) string {
	v, ok := tensorValues(t)
	if !ok {
		return "(data not shown)"
	}
	var head []string
	var ss float64
	for i, x := range v {
		if i < 4 {
			head = append(head, fmt.Sprintf("%.6g", x))
		}
		ss += x * x
	}
	if len(v) > 4 {
		head = append(head, "...")
	}
	return fmt.Sprintf("= [%s] sumsq %.6g", strings.Join(head, " "), ss)
}

func attrString(a *onnxpb.AttributeProto) string {
	switch a.GetType() {
	case onnxpb.AttributeProto_INT:
		return fmt.Sprint(a.GetI())
	case onnxpb.AttributeProto_FLOAT:
		return fmt.Sprintf("%.6g", a.GetF())
	case onnxpb.AttributeProto_STRING:
		return fmt.Sprintf("%q", a.GetS())
	case onnxpb.AttributeProto_INTS:
		return fmt.Sprint(a.GetInts())
	case onnxpb.AttributeProto_FLOATS:
		return fmt.Sprint(a.GetFloats())
	case onnxpb.AttributeProto_TENSOR:
		t := a.GetT()
		return fmt.Sprintf("tensor %s%s %s", elemName(t.GetDataType()), dimsString(t.Dims), tensorPreview(t))
	}
	return a.GetType().String()
}
