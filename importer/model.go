package importer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// Opsets of the default ONNX domain a model may import. Within the range
// each node runs the definition (since_version) its operator has at that
// opset, when the importer implements it (see SupportedVersions); other
// nodes are refused at load with an *UnsupportedError.
const (
	MinOpset = 1
	MaxOpset = 27
)

// maxModelBytes bounds the size of a model file read into memory.
const maxModelBytes = 4 << 30

// Node is one operator application in the graph IR.
type Node struct {
	Op      string // operator type
	Domain  string // "" for the default ONNX domain
	Opset   int64  // version of Domain the model imports
	Name    string // node name, or its first output when unnamed
	Inputs  []string
	Outputs []string
	attrs   map[string]*onnxpb.AttributeProto

	// Set by the load-time rewrites (optimize.go).
	fuseRelu bool   // apply ReLU to the output (Conv, Gemm, Add)
	impl     *opDef // run this instead of the registry's entry (fused nodes)

	// Control flow (subgraph.go): the graph attributes, loaded, and the
	// number of inputs the node declares; the outer values its
	// subgraphs read follow them in Inputs.
	graphs   map[string]*subgraph
	declared int

	cache sync.Map // per-node data derived from constants (e.g. repacked weights)
}

// ValueInfo describes a graph input or output. Dims that are symbolic or
// unknown are -1 in Shape, with their name (if any) in DimNames; a nil
// Shape is an unknown rank, and DType 0 an output whose type the model
// does not declare.
type ValueInfo struct {
	Name     string
	DType    DType
	Shape    []int
	DimNames []string
}

// Model is a decoded, checked and simplified ONNX graph. It is immutable
// after Load and may be shared by any number of Sessions.
type Model struct {
	Inputs    []ValueInfo // graph inputs that are not initializers
	Outputs   []ValueInfo
	Opsets    map[string]int64 // imported operator sets by domain ("" = ai.onnx)
	Producer  string
	IRVersion int64

	nodes   []*Node            // topologically sorted
	consts  map[string]*Tensor // initializers, Constant outputs, folded values
	origOps map[string]int     // operator histogram before simplification
	keepBN  bool               // LoadOptions.NoFold: BatchNormalization stays a node
	inits   map[string]bool    // names of the file's initializers
	planIn  map[string]bool    // values some node reads at plan time (opDef.planInputs), and those they are computed from
}

// Load reads an ONNX model file. External data files are looked up
// relative to the model's directory and may not leave it.
func Load(path string) (*Model, error) { return LoadWith(path, LoadOptions{}) }

// LoadBytes decodes a model held in memory. Models with external data need
// Load.
func LoadBytes(b []byte) (*Model, error) { return LoadBytesWith(b, LoadOptions{}) }

// LoadOptions changes how a model is simplified at load time.
type LoadOptions struct {
	// NoFold keeps BatchNormalization nodes instead of folding them into
	// the preceding Conv, so that the model's own Conv weights and BN
	// parameters stay initializers of the executed graph: load with it
	// to take gradients with respect to them or to fine-tune them.
	NoFold bool
}

// LoadWith is Load with options.
func LoadWith(path string, opt LoadOptions) (*Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	if st.Size() > maxModelBytes {
		return nil, fmt.Errorf("importer: %s is %d bytes, more than the %d this loader reads", path, st.Size(), int64(maxModelBytes))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	m, err := load(b, filepath.Dir(path), opt)
	if err != nil {
		return nil, fmt.Errorf("importer: %s: %w", path, err)
	}
	return m, nil
}

// LoadBytesWith is LoadBytes with options.
func LoadBytesWith(b []byte, opt LoadOptions) (*Model, error) {
	m, err := load(b, "", opt)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	return m, nil
}

// Decode parses the protobuf only (no checks); used by CheckSupport.
func decode(b []byte) (*onnxpb.ModelProto, error) {
	var mp onnxpb.ModelProto
	if err := proto.Unmarshal(b, &mp); err != nil {
		return nil, fmt.Errorf("decoding ONNX protobuf: %w", err)
	}
	if mp.GetGraph() == nil {
		return nil, errors.New("model has no graph")
	}
	return &mp, nil
}

func opsetsOf(mp *onnxpb.ModelProto) (map[string]int64, error) {
	ops := map[string]int64{}
	for _, o := range mp.GetOpsetImport() {
		d := o.GetDomain()
		if d == "ai.onnx" {
			d = ""
		}
		ops[d] = o.GetVersion()
	}
	v, ok := ops[""]
	if !ok {
		if len(mp.GetOpsetImport()) == 0 && mp.GetIrVersion() <= 2 {
			v = 1
		} else {
			var doms []string
			for d := range ops {
				doms = append(doms, d)
			}
			sort.Strings(doms)
			return nil, &UnsupportedError{Op: "*", Domain: strings.Join(doms, ","), Node: "(model)",
				Reason: "the model imports no ai.onnx operator set"}
		}
		ops[""] = v
	}
	if v < MinOpset || v > MaxOpset {
		return nil, &UnsupportedError{Op: "*", Opset: v, Node: "(model)",
			Reason: fmt.Sprintf("ai.onnx opset %d is outside the supported range %d..%d", v, MinOpset, MaxOpset)}
	}
	return ops, nil
}

// nodeOf converts a NodeProto, checking that its operator is known.
func nodeOf(np *onnxpb.NodeProto, ops map[string]int64, idx int) (*Node, error) {
	n := &Node{Op: np.GetOpType(), Domain: np.GetDomain(), Name: np.GetName(),
		Inputs: np.GetInput(), Outputs: np.GetOutput(), attrs: map[string]*onnxpb.AttributeProto{}}
	if n.Domain == "ai.onnx" {
		n.Domain = ""
	}
	if n.Name == "" {
		if len(n.Outputs) > 0 {
			n.Name = n.Outputs[0]
		} else {
			n.Name = fmt.Sprintf("#%d", idx)
		}
	}
	n.Opset = ops[n.Domain]
	for _, a := range np.GetAttribute() {
		n.attrs[a.GetName()] = a
	}
	if err := checkNode(n); err != nil {
		return nil, err
	}
	return n, nil
}

// checkNode returns an *UnsupportedError unless the node's operator, at
// its opset, and its attributes are supported.
func checkNode(n *Node) error {
	if n.Domain != "" {
		return &UnsupportedError{Op: n.Op, Domain: n.Domain, Opset: n.Opset, Node: n.Name, Reason: "only the default ai.onnx domain is supported"}
	}
	def, err := lookupOp(n)
	if err != nil {
		return err
	}
	if def.check != nil {
		if err := def.check(n); err != nil {
			return &UnsupportedError{Op: n.Op, Domain: n.Domain, Opset: n.Opset, Node: n.Name, Reason: err.Error()}
		}
	}
	return nil
}

// valueInfoOf describes a graph input or output; outputs may omit their
// type (DType 0, unknown shape): the planner infers it.
func valueInfoOf(vi *onnxpb.ValueInfoProto, output bool) (ValueInfo, error) {
	v := ValueInfo{Name: vi.GetName()}
	tt := vi.GetType().GetTensorType()
	if vi.GetType() == nil && output {
		return v, nil
	}
	if tt == nil {
		return v, fmt.Errorf("%w value type: %q is not a tensor (sequences, maps and optionals are not supported)", ErrUnsupported, v.Name)
	}
	dt, err := dtypeOf(tt.GetElemType())
	if err != nil {
		return v, fmt.Errorf("value %q: %w", v.Name, err)
	}
	v.DType = dt
	if tt.GetShape() == nil {
		v.Shape = nil // unknown rank
		return v, nil
	}
	for _, d := range tt.GetShape().GetDim() {
		if _, ok := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue); ok && d.GetDimValue() >= 0 {
			if d.GetDimValue() > maxElems {
				return v, fmt.Errorf("value %q: dimension %d too large", v.Name, d.GetDimValue())
			}
			v.Shape = append(v.Shape, int(d.GetDimValue()))
			v.DimNames = append(v.DimNames, "")
		} else {
			v.Shape = append(v.Shape, -1)
			v.DimNames = append(v.DimNames, d.GetDimParam())
		}
	}
	return v, nil
}

func load(b []byte, dir string, opt LoadOptions) (*Model, error) {
	mp, err := decode(b)
	if err != nil {
		return nil, err
	}
	ops, err := opsetsOf(mp)
	if err != nil {
		return nil, err
	}
	g := mp.GetGraph()
	m := &Model{Opsets: ops, Producer: mp.GetProducerName() + " " + mp.GetProducerVersion(),
		IRVersion: mp.GetIrVersion(), consts: map[string]*Tensor{}, origOps: map[string]int{},
		keepBN: opt.NoFold, inits: map[string]bool{}}
	if len(g.GetSparseInitializer()) > 0 {
		return nil, errors.New("sparse initializers are not supported")
	}
	for _, tp := range g.GetInitializer() {
		t, err := tensorFromProto(tp, dir)
		if err != nil {
			return nil, fmt.Errorf("initializer: %w", err)
		}
		m.consts[tp.GetName()] = t
		m.inits[tp.GetName()] = true
	}
	defined := map[string]bool{"": true}
	for name := range m.consts {
		defined[name] = true
	}
	for _, vi := range g.GetInput() {
		if _, isConst := m.consts[vi.GetName()]; isConst {
			continue
		}
		v, err := valueInfoOf(vi, false)
		if err != nil {
			return nil, fmt.Errorf("graph input: %w", err)
		}
		if defined[v.Name] {
			return nil, fmt.Errorf("graph input %q defined twice", v.Name)
		}
		defined[v.Name] = true
		m.Inputs = append(m.Inputs, v)
	}
	var nodes []*Node
	for i, np := range g.GetNode() {
		n, err := nodeOf(np, ops, i)
		if err != nil {
			return nil, err
		}
		m.origOps[n.Op]++
		nodes = append(nodes, n)
	}
	if err := attachSubgraphs(nodes, defined, nil, ops, dir, 0); err != nil {
		return nil, err
	}
	if m.nodes, err = toposort(nodes, defined); err != nil {
		return nil, err
	}
	for _, vi := range g.GetOutput() {
		v, err := valueInfoOf(vi, true)
		if err != nil {
			return nil, fmt.Errorf("graph output: %w", err)
		}
		m.Outputs = append(m.Outputs, v)
	}
	produced := map[string]bool{}
	for k := range defined {
		produced[k] = true
	}
	for _, n := range m.nodes {
		for _, o := range n.Outputs {
			produced[o] = true
		}
	}
	for _, o := range m.Outputs {
		if o.Name == "" || !produced[o.Name] {
			return nil, fmt.Errorf("graph output %q is not produced by any node", o.Name)
		}
	}
	if err := m.simplify(); err != nil {
		return nil, err
	}
	if err := m.foldBatchPlumbing(); err != nil {
		return nil, err
	}
	m.pruneConsts()
	m.planIn = m.planInputNames()
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// toposort orders nodes so that every input is defined before use; it
// rejects cycles, undefined inputs and values defined twice.
func toposort(nodes []*Node, defined map[string]bool) ([]*Node, error) {
	producer := map[string]int{}
	for i, n := range nodes {
		for _, o := range n.Outputs {
			if o == "" {
				continue
			}
			if defined[o] {
				return nil, fmt.Errorf("node %q redefines %q", n.Name, o)
			}
			if _, dup := producer[o]; dup {
				return nil, fmt.Errorf("value %q is produced by two nodes", o)
			}
			producer[o] = i
		}
	}
	indeg := make([]int, len(nodes))
	users := make([][]int, len(nodes))
	for i, n := range nodes {
		for _, in := range n.Inputs {
			if defined[in] {
				continue
			}
			p, ok := producer[in]
			if !ok {
				return nil, fmt.Errorf("node %q (%s) reads %q, which nothing defines", n.Name, n.Op, in)
			}
			indeg[i]++
			users[p] = append(users[p], i)
		}
	}
	var ready, order []int
	for i := range nodes {
		if indeg[i] == 0 {
			ready = append(ready, i)
		}
	}
	for len(ready) > 0 {
		sort.Ints(ready) // keep the file's order among ready nodes
		i := ready[0]
		ready = ready[1:]
		order = append(order, i)
		for _, u := range users[i] {
			indeg[u]--
			if indeg[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	if len(order) != len(nodes) {
		for i := range nodes {
			if indeg[i] > 0 {
				return nil, fmt.Errorf("graph has a cycle through node %q (%s)", nodes[i].Name, nodes[i].Op)
			}
		}
	}
	out := make([]*Node, len(order))
	for k, i := range order {
		out[k] = nodes[i]
	}
	return out, nil
}

// Input returns the description of a graph input by name.
func (m *Model) Input(name string) (ValueInfo, bool) {
	for _, v := range m.Inputs {
		if v.Name == name {
			return v, true
		}
	}
	return ValueInfo{}, false
}

// OpCounts returns the operator histogram of the model as loaded (before
// constant folding and fusion) and after.
func (m *Model) OpCounts() (loaded, executed map[string]int) {
	executed = map[string]int{}
	for _, n := range m.nodes {
		executed[n.Op]++
	}
	loaded = map[string]int{}
	for k, v := range m.origOps {
		loaded[k] = v
	}
	return loaded, executed
}

// CheckSupport decodes a model and lists every node whose operator (at the
// model's opset) the importer cannot run. An error means the model could
// not be decoded at all. It does not read external data.
func CheckSupport(b []byte) ([]Unsupported, error) {
	mp, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	ops, err := opsetsOf(mp)
	if err != nil {
		var ue *UnsupportedError
		if errors.As(err, &ue) {
			return []Unsupported{*ue}, nil
		}
		return nil, fmt.Errorf("importer: %w", err)
	}
	var out []Unsupported
	for i, np := range mp.GetGraph().GetNode() {
		if _, err := nodeOf(np, ops, i); err != nil {
			var ue *UnsupportedError
			if errors.As(err, &ue) {
				out = append(out, *ue)
				continue
			}
			return nil, err
		}
		sub, err := checkSubgraphSupport(np, ops, 0)
		if err != nil {
			return nil, fmt.Errorf("importer: %w", err)
		}
		out = append(out, sub...)
	}
	return out, nil
}
