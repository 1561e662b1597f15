package export

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/errkind"
	"github.com/hierlearn/hierlearn/internal/onnxpb"
	"github.com/hierlearn/hierlearn/internal/version"
)

// Batch marks a symbolic batch dimension in a shape given to Input or
// Output; it is written as the dim_param BatchName.
const Batch int64 = -1

// BatchName is the name of the symbolic batch dimension.
const BatchName = "N"

// Opsets lists the default-domain opset versions the exporters support.
var Opsets = []int{13, 17}

// ErrOpset is wrapped by the error for an opset not in Opsets.
var ErrOpset = errors.New("unsupported opset")

// ErrGraph is matched (errors.Is) by Build's errors: a graph that breaks
// the builder's checks (names, order, element types, outputs).
var ErrGraph = errors.New("export: invalid graph")

// CheckOpset returns an error wrapping ErrOpset unless opset is in Opsets.
func CheckOpset(opset int) error {
	if !slices.Contains(Opsets, opset) {
		return fmt.Errorf("%w %d (supported: 13, 17)", ErrOpset, opset)
	}
	return nil
}

// irVersion is the IR version written for each opset the builder writes:
// the lowest one that allows it (opset 13: IR 7, ONNX 1.8; opset 17: IR 8,
// ONNX 1.12; 18: IR 8; 19 and 20: IR 9; 21: IR 10), so that older runtimes
// read the files too. The exporters write only Opsets; the newer ones are
// for graphs built by hand, such as the importer's opset 18-21 tests.
var irVersion = map[int]int64{13: 7, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10}

// Graph builds one ONNX model. Methods record what is added; Build checks
// the whole graph and turns it into a Model. A Graph is not safe for
// concurrent use.
type Graph struct {
	name     string
	doc      string
	opset    int
	inputs   []*onnxpb.ValueInfoProto
	outputs  []*onnxpb.ValueInfoProto
	inits    []*onnxpb.TensorProto
	nodes    []*onnxpb.NodeProto
	metadata []*onnxpb.StringStringEntryProto
}

// NewGraph starts a graph with the given name at opset 17.
func NewGraph(name string) *Graph { return &Graph{name: name, opset: 17} }

// SetOpset sets the default-domain opset version: 13 or 17 (Opsets, what
// the exporters write) or 18 to 21 for hand-built graphs of newer operator
// versions; Build rejects others.
func (g *Graph) SetOpset(v int) { g.opset = v }

// Opset returns the opset version the graph is built for.
func (g *Graph) Opset() int { return g.opset }

// SetDoc sets the doc string of the model and its graph.
func (g *Graph) SetDoc(doc string) { g.doc = doc }

// SetMetadata adds a metadata_props entry, replacing one with the same key.
func (g *Graph) SetMetadata(key, value string) {
	for _, e := range g.metadata {
		if e.GetKey() == key {
			e.Value = proto.String(value)
			return
		}
	}
	g.metadata = append(g.metadata, &onnxpb.StringStringEntryProto{Key: proto.String(key), Value: proto.String(value)})
}

func valueInfo(name string, dt dtype.DType, shape []int64) *onnxpb.ValueInfoProto {
	var dims []*onnxpb.TensorShapeProto_Dimension
	for _, d := range shape {
		if d == Batch {
			dims = append(dims, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: BatchName}})
		} else {
			dims = append(dims, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}})
		}
	}
	return &onnxpb.ValueInfoProto{
		Name: proto.String(name),
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(dt)),
			Shape:    &onnxpb.TensorShapeProto{Dim: dims},
		}}},
	}
}

// Input declares a graph input; shape entries equal to Batch are the
// symbolic batch dimension. It returns name.
func (g *Graph) Input(name string, dt dtype.DType, shape ...int64) string {
	g.inputs = append(g.inputs, valueInfo(name, dt, shape))
	return name
}

// Output declares a graph output; the value must be produced by a node
// (or be an input or initializer). doc, if not empty, becomes its doc string.
func (g *Graph) Output(name string, dt dtype.DType, doc string, shape ...int64) {
	v := valueInfo(name, dt, shape)
	if doc != "" {
		v.DocString = proto.String(doc)
	}
	g.outputs = append(g.outputs, v)
}

// tensorProto returns a TensorProto holding data (float32, float64 or
// int64 elements, raw little-endian bytes) with the given dims; for
// Initializer and tensorAttr.
func tensorProto[T float32 | float64 | int64](name string, data []T, dims ...int64) *onnxpb.TensorProto {
	t := &onnxpb.TensorProto{Name: proto.String(name), Dims: append([]int64{}, dims...)}
	switch d := any(data).(type) {
	case []float32:
		t.DataType = proto.Int32(int32(dtype.Float32))
		t.RawData = rawFloat32(d)
	case []float64:
		t.DataType = proto.Int32(int32(dtype.Float64))
		t.RawData = rawFloat64(d)
	case []int64:
		t.DataType = proto.Int32(int32(dtype.Int64))
		t.RawData = rawInt64(d)
	}
	return t
}

// Initializer adds a constant tensor (a weight) named name and returns the
// name. dims empty means a scalar.
func Initializer[T float32 | float64 | int64](g *Graph, name string, data []T, dims ...int64) string {
	g.inits = append(g.inits, tensorProto(name, data, dims...))
	return name
}

// NodeOption sets an attribute or the doc string of a node (Int, Ints,
// Float, Floats, String, TensorAttr, Doc).
type NodeOption struct {
	apply func(*onnxpb.NodeProto)
}

func attr(name string, typ onnxpb.AttributeProto_AttributeType, set func(*onnxpb.AttributeProto)) NodeOption {
	return NodeOption{func(n *onnxpb.NodeProto) {
		a := &onnxpb.AttributeProto{Name: proto.String(name), Type: typ.Enum()}
		set(a)
		n.Attribute = append(n.Attribute, a)
	}}
}

// Int is an INT attribute.
func Int(name string, v int64) NodeOption {
	return attr(name, onnxpb.AttributeProto_INT, func(a *onnxpb.AttributeProto) { a.I = proto.Int64(v) })
}

// Ints is an INTS attribute.
func Ints(name string, v ...int64) NodeOption {
	return attr(name, onnxpb.AttributeProto_INTS, func(a *onnxpb.AttributeProto) { a.Ints = append([]int64{}, v...) })
}

// Float is a FLOAT attribute.
func Float(name string, v float32) NodeOption {
	return attr(name, onnxpb.AttributeProto_FLOAT, func(a *onnxpb.AttributeProto) { a.F = proto.Float32(v) })
}

// Floats is a FLOATS attribute.
func Floats(name string, v ...float32) NodeOption {
	return attr(name, onnxpb.AttributeProto_FLOATS, func(a *onnxpb.AttributeProto) { a.Floats = append([]float32{}, v...) })
}

// String is a STRING attribute.
func String(name, v string) NodeOption {
	return attr(name, onnxpb.AttributeProto_STRING, func(a *onnxpb.AttributeProto) { a.S = []byte(v) })
}

// TensorAttr is a TENSOR attribute (for example Constant's value): data
// (float32, float64 or int64) with the given dims.
func TensorAttr[T float32 | float64 | int64](name string, data []T, dims ...int64) NodeOption {
	t := tensorProto("", data, dims...)
	return attr(name, onnxpb.AttributeProto_TENSOR, func(a *onnxpb.AttributeProto) { a.T = t })
}

// Doc sets the node's doc string (shown by viewers such as Netron).
func Doc(s string) NodeOption {
	return NodeOption{func(n *onnxpb.NodeProto) { n.DocString = proto.String(s) }}
}

// Node adds a node with one output, named like the node, and returns that
// name. Nodes must be added in topological order.
func (g *Graph) Node(op, name string, inputs []string, opts ...NodeOption) string {
	g.NodeN(op, name, inputs, []string{name}, opts...)
	return name
}

// NodeN adds a node with the given outputs.
func (g *Graph) NodeN(op, name string, inputs, outputs []string, opts ...NodeOption) {
	n := &onnxpb.NodeProto{
		Name:   proto.String(name),
		OpType: proto.String(op),
		Input:  append([]string{}, inputs...),
		Output: append([]string{}, outputs...),
	}
	for _, o := range opts {
		o.apply(n)
	}
	g.nodes = append(g.nodes, n)
}

// Build checks the graph and returns the model. The checks: a supported
// opset; non-empty, unique value names (inputs, initializers and node
// outputs share one namespace) and unique node names; initializer sizes
// matching their dims; every node input defined by an input, an
// initializer or an earlier node (so the nodes are in topological order);
// element types consistent where the builder knows the operator's typing
// rule; every graph output defined, with the declared element type.
// All problems found are reported together.
func (g *Graph) Build() (*Model, error) {
	if err := g.check(); err != nil {
		return nil, errkind.Mark(ErrGraph, fmt.Errorf("graph %q: %w", g.name, err))
	}
	m := &onnxpb.ModelProto{
		IrVersion:       proto.Int64(irVersion[g.opset]),
		ProducerName:    proto.String("hierlearn"),
		ProducerVersion: proto.String(version.Full()),
		OpsetImport:     []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(int64(g.opset))}},
		Graph: &onnxpb.GraphProto{
			Name:        proto.String(g.name),
			Node:        g.nodes,
			Initializer: g.inits,
			Input:       g.inputs,
			Output:      g.outputs,
		},
		MetadataProps: g.metadata,
	}
	if g.doc != "" {
		m.DocString = proto.String(g.doc)
		m.Graph.DocString = proto.String(g.doc)
	}
	return &Model{proto: m}, nil
}

// Write builds the graph and writes it to path atomically; on any error no
// file is created (an existing file is left as it was).
func (g *Graph) Write(path string) error {
	m, err := g.Build()
	if err != nil {
		return err
	}
	return WriteModel(path, m)
}

// Marshal encodes a model deterministically (the same model gives the same
// bytes).
func Marshal(m *Model) ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(m.proto)
}

// WriteModel writes m to path atomically.
func WriteModel(path string, m *Model) error {
	b, err := Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
