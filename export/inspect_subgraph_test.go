package export

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// TestInspectCountsSubgraphs: the operators inside a Loop body and the
// If branches nested in it are counted, and the text says how many.
func TestInspectCountsSubgraphs(t *testing.T) {
	nd := func(op string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
		return &onnxpb.NodeProto{OpType: proto.String(op), Attribute: attrs}
	}
	graph := func(nodes ...*onnxpb.NodeProto) *onnxpb.AttributeProto {
		return &onnxpb.AttributeProto{Type: onnxpb.AttributeProto_GRAPH.Enum(), G: &onnxpb.GraphProto{Node: nodes}}
	}
	branch := func(name string, nodes ...*onnxpb.NodeProto) *onnxpb.AttributeProto {
		a := graph(nodes...)
		a.Name = proto.String(name)
		return a
	}
	body := branch("body", nd("Identity"),
		nd("If", branch("then_branch", nd("Add"), nd("Tanh")), branch("else_branch", nd("Neg"))))
	b, err := proto.Marshal(&onnxpb.ModelProto{IrVersion: proto.Int64(8),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Version: proto.Int64(17)}},
		Graph:       &onnxpb.GraphProto{Name: proto.String("g"), Node: []*onnxpb.NodeProto{nd("Loop", body), nd("Relu")}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := DecodeModel(b)
	if err != nil {
		t.Fatal(err)
	}
	s := Inspect(m)
	if s.Nodes != 2 || s.SubgraphNodes != 5 {
		t.Errorf("nodes %d, in subgraphs %d: want 2 and 5", s.Nodes, s.SubgraphNodes)
	}
	var text strings.Builder
	if err := s.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"operators (2 nodes, and 5 in subgraphs):", "Tanh", "Neg", "Loop"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("inspect text lacks %q:\n%s", want, text.String())
		}
	}
}
