package export

import "github.com/hierlearn/hierlearn/internal/onnxpb"

// Model is an ONNX model in memory: what the exporters and Graph.Build
// return and ReadModel reads. Write it with WriteModel, encode it with
// Marshal, summarise it with Inspect, list it with Dump or Nodes.
type Model struct {
	proto *onnxpb.ModelProto
}

// Node is one node of a model's graph.
type Node struct {
	Name, Op, Domain string
	Inputs, Outputs  []string
}

// Nodes lists the nodes of m's graph in file order.
func (m *Model) Nodes() []Node {
	var out []Node
	for _, n := range m.proto.GetGraph().GetNode() {
		out = append(out, Node{Name: n.GetName(), Op: n.GetOpType(), Domain: n.GetDomain(),
			Inputs: append([]string(nil), n.GetInput()...), Outputs: append([]string(nil), n.GetOutput()...)})
	}
	return out
}

// Metadata is m's metadata_props in file order, as key-value pairs.
func (m *Model) Metadata() [][2]string {
	var out [][2]string
	for _, e := range m.proto.GetMetadataProps() {
		out = append(out, [2]string{e.GetKey(), e.GetValue()})
	}
	return out
}

// Doc is the doc string of m's graph.
func (m *Model) Doc() string { return m.proto.GetGraph().GetDocString() }
