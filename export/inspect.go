package export

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// ErrNotModel is wrapped by ReadModel's error for a file that is not an
// ONNX model.
var ErrNotModel = errors.New("not an ONNX model")

// maxModelSize is the largest file ReadModel reads: protobuf's 2 GiB limit.
const maxModelSize = 2 << 30

// ReadModel reads and decodes an ONNX file. A file that does not decode,
// or decodes to a message without a graph or an IR version, gives an
// error wrapping ErrNotModel.
func ReadModel(path string) (*Model, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxModelSize {
		return nil, fmt.Errorf("%s: %w: %d bytes exceed protobuf's 2 GiB limit", path, ErrNotModel, fi.Size())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := DecodeModel(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// DecodeModel decodes the bytes of an ONNX file (see ReadModel).
func DecodeModel(b []byte) (*Model, error) {
	m := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotModel, err)
	}
	if m.Graph == nil || m.GetIrVersion() <= 0 {
		return nil, fmt.Errorf("%w: no graph or IR version", ErrNotModel)
	}
	return &Model{proto: m}, nil
}

// Summary is what `hierlearn inspect` shows about a model.
type Summary struct {
	Producer, ProducerVersion string
	IRVersion                 int64
	Opsets                    []string // "ai.onnx 17"
	Graph, Doc                string
	Inputs, Outputs           []Value   // graph inputs (initializers excluded) and outputs
	Ops                       []OpCount // operator histogram, most used first
	Nodes                     int
	SubgraphNodes             int   // nodes inside If, Loop and Scan bodies (counted in Ops too)
	Params                    int64 // elements of float initializers (the weights)
	FloatInits                int   // number of float initializers
	OtherInitElems            int64 // elements of other initializers (shapes, indices)
	OtherInits                int
	Metadata                  [][2]string
	// Support, when set, is a line on whether hierlearn's importer runs
	// the model (filled by the caller).
	Support string
}

// Value is a graph input or output: name and type, e.g. float32[N,20].
type Value struct{ Name, Type string }

// OpCount is one entry of the operator histogram.
type OpCount struct {
	Op    string // domain-qualified for non-default domains
	Count int
}

// Inspect summarises a model.
func Inspect(model *Model) *Summary {
	m := model.proto
	g := m.GetGraph()
	s := &Summary{
		Producer: m.GetProducerName(), ProducerVersion: m.GetProducerVersion(),
		IRVersion: m.GetIrVersion(), Graph: g.GetName(), Doc: m.GetDocString(),
		Nodes: len(g.GetNode()),
	}
	for _, o := range m.OpsetImport {
		s.Opsets = append(s.Opsets, fmt.Sprintf("%s %d", domainName(o.GetDomain()), o.GetVersion()))
	}
	isInit := map[string]bool{}
	for _, t := range g.GetInitializer() {
		isInit[t.GetName()] = true
		n := int64(1)
		for _, d := range t.Dims {
			n *= d
		}
		switch onnxpb.TensorProto_DataType(t.GetDataType()) {
		case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_DOUBLE, onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16:
			s.Params += n
			s.FloatInits++
		default:
			s.OtherInitElems += n
			s.OtherInits++
		}
	}
	for _, v := range g.GetInput() {
		if !isInit[v.GetName()] {
			s.Inputs = append(s.Inputs, Value{v.GetName(), typeString(v)})
		}
	}
	for _, v := range g.GetOutput() {
		s.Outputs = append(s.Outputs, Value{v.GetName(), typeString(v)})
	}
	hist := map[string]int{}
	for _, n := range g.GetNode() {
		hist[opName(n)]++
		s.SubgraphNodes += countSubgraphOps(n, hist)
	}
	for op, c := range hist {
		s.Ops = append(s.Ops, OpCount{op, c})
	}
	sort.Slice(s.Ops, func(i, j int) bool {
		if s.Ops[i].Count != s.Ops[j].Count {
			return s.Ops[i].Count > s.Ops[j].Count
		}
		return s.Ops[i].Op < s.Ops[j].Op
	})
	for _, e := range m.MetadataProps {
		s.Metadata = append(s.Metadata, [2]string{e.GetKey(), e.GetValue()})
	}
	return s
}

// countSubgraphOps adds the operators of the nodes inside n's graph
// attributes (If branches, Loop and Scan bodies, at any depth) to hist
// and returns how many there are.
func countSubgraphOps(n *onnxpb.NodeProto, hist map[string]int) int {
	count := 0
	for _, a := range n.GetAttribute() {
		gs := a.GetGraphs()
		if a.GetG() != nil {
			gs = append(gs, a.GetG())
		}
		for _, g := range gs {
			for _, sn := range g.GetNode() {
				hist[opName(sn)]++
				count += 1 + countSubgraphOps(sn, hist)
			}
		}
	}
	return count
}

// WriteText writes the summary as aligned text.
func (s *Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	prod := s.Producer
	if s.ProducerVersion != "" {
		prod += " " + s.ProducerVersion
	}
	if prod == "" {
		prod = "(none)"
	}
	fmt.Fprintf(&b, "producer:    %s\n", prod)
	fmt.Fprintf(&b, "IR version:  %d\n", s.IRVersion)
	fmt.Fprintf(&b, "opsets:      %s\n", strings.Join(s.Opsets, ", "))
	fmt.Fprintf(&b, "graph:       %s\n", s.Graph)
	if s.Doc != "" {
		fmt.Fprintf(&b, "doc:         %s\n", s.Doc)
	}
	values := func(title string, vs []Value) {
		fmt.Fprintf(&b, "%s:\n", title)
		width := 0
		for _, v := range vs {
			width = max(width, len(v.Name))
		}
		for _, v := range vs {
			fmt.Fprintf(&b, "  %-*s  %s\n", width, v.Name, v.Type)
		}
	}
	values("inputs", s.Inputs)
	values("outputs", s.Outputs)
	if s.SubgraphNodes > 0 {
		fmt.Fprintf(&b, "operators (%d nodes, and %d in subgraphs):\n", s.Nodes, s.SubgraphNodes)
	} else {
		fmt.Fprintf(&b, "operators (%d nodes):\n", s.Nodes)
	}
	width := 0
	for _, o := range s.Ops {
		width = max(width, len(o.Op))
	}
	for _, o := range s.Ops {
		fmt.Fprintf(&b, "  %-*s  %d\n", width, o.Op, o.Count)
	}
	fmt.Fprintf(&b, "parameters:  %d (in %d float initializers)\n", s.Params, s.FloatInits)
	if s.OtherInits > 0 {
		fmt.Fprintf(&b, "other initializers: %d, holding %d values (shapes, axes, indices)\n", s.OtherInits, s.OtherInitElems)
	}
	if len(s.Metadata) > 0 {
		b.WriteString("metadata:\n")
		for _, kv := range s.Metadata {
			fmt.Fprintf(&b, "  %s = %s\n", kv[0], kv[1])
		}
	}
	if s.Support != "" {
		fmt.Fprintf(&b, "supported by hierlearn's importer: %s\n", s.Support)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
