package importer

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// maxSubgraphDepth bounds how deeply subgraphs nest (a Loop body holding
// an If whose branch holds a Scan is depth 3). Exporters write a few
// levels; a deeper model is refused at load.
const maxSubgraphDepth = 16

// subgraph is a graph attribute of a control-flow node (If's branches,
// Loop's and Scan's body), loaded and simplified like a model. Its Model
// has the graph's own (formal) inputs first, then one input per value it
// reads from the enclosing scopes (free, the node's implicit inputs).
type subgraph struct {
	m      *Model
	formal int      // number of formal inputs
	free   []string // outer-scope values read, in the order of m.Inputs[formal:]
}

// graphAttrs names the graph attributes of the control-flow operators.
var graphAttrs = map[string][]string{
	"If":   {"then_branch", "else_branch"},
	"Loop": {"body"},
	"Scan": {"body"},
}

// attachSubgraphs loads the graph attributes of the nodes of one graph
// (at nesting depth depth, the main graph being 0). defined holds the
// graph's inputs and initializers; outer the values visible from the
// enclosing scopes. Each control-flow node gets its subgraphs, and the
// outer values they read are appended to its inputs, so that ordering,
// liveness and folding see them as the data dependencies they are.
func attachSubgraphs(nodes []*Node, defined, outer map[string]bool, ops map[string]int64, dir string, depth int) error {
	visible := map[string]bool{}
	for k := range outer {
		visible[k] = true
	}
	for k := range defined {
		visible[k] = true
	}
	for _, n := range nodes {
		for _, o := range n.Outputs {
			visible[o] = true
		}
	}
	for _, n := range nodes {
		names := graphAttrs[n.Op]
		if len(names) == 0 {
			continue
		}
		if depth+1 > maxSubgraphDepth {
			return fmt.Errorf("node %q (%s): %w: subgraphs nested more than %d deep", n.Name, n.Op, ErrBadInput, maxSubgraphDepth)
		}
		n.graphs = map[string]*subgraph{}
		declared := len(n.Inputs)
		seen := map[string]bool{}
		for _, name := range names {
			a := n.attrs[name]
			if a == nil || a.GetG() == nil {
				return &UnsupportedError{Op: n.Op, Opset: n.Opset, Node: n.Name, Reason: fmt.Sprintf("graph attribute %q missing", name)}
			}
			sg, err := loadSubgraph(a.GetG(), visible, ops, dir, depth+1)
			if err != nil {
				return fmt.Errorf("node %q (%s) %s: %w", n.Name, n.Op, name, err)
			}
			n.graphs[name] = sg
			for _, v := range sg.free {
				if !seen[v] {
					seen[v] = true
					n.Inputs = append(n.Inputs, v)
				}
			}
		}
		n.Inputs = n.Inputs[:len(n.Inputs):len(n.Inputs)]
		n.declared = declared
	}
	return nil
}

// loadSubgraph converts one graph attribute. outer holds every value
// visible from the enclosing scopes, which the subgraph may read; a name
// it defines itself (an input, initializer or node output) hides the
// outer value of that name within it.
func loadSubgraph(g *onnxpb.GraphProto, outer map[string]bool, ops map[string]int64, dir string, depth int) (*subgraph, error) {
	m := &Model{Opsets: ops, consts: map[string]*Tensor{}, origOps: map[string]int{}, inits: map[string]bool{}, planIn: map[string]bool{}}
	if len(g.GetSparseInitializer()) > 0 {
		return nil, errors.New("sparse initializers are not supported")
	}
	local := map[string]bool{"": true}
	for _, tp := range g.GetInitializer() {
		t, err := tensorFromProto(tp, dir)
		if err != nil {
			return nil, fmt.Errorf("initializer: %w", err)
		}
		m.consts[tp.GetName()] = t
		m.inits[tp.GetName()] = true
		local[tp.GetName()] = true
	}
	for _, vi := range g.GetInput() {
		name := vi.GetName()
		if local[name] {
			return nil, fmt.Errorf("subgraph input %q defined twice", name)
		}
		v, err := valueInfoOf(vi, true) // a body's inputs may leave their type to the node
		if err != nil {
			return nil, fmt.Errorf("subgraph input: %w", err)
		}
		local[name] = true
		m.Inputs = append(m.Inputs, v)
	}
	sg := &subgraph{m: m, formal: len(m.Inputs)}
	var nodes []*Node
	produced := map[string]bool{}
	for i, np := range g.GetNode() {
		n, err := nodeOf(np, ops, i)
		if err != nil {
			return nil, err
		}
		m.origOps[n.Op]++
		nodes = append(nodes, n)
		for _, o := range n.Outputs {
			produced[o] = true
		}
	}
	if err := attachSubgraphs(nodes, local, outer, ops, dir, depth); err != nil {
		return nil, err
	}
	for _, vi := range g.GetOutput() {
		v, err := valueInfoOf(vi, true)
		if err != nil {
			return nil, fmt.Errorf("subgraph output: %w", err)
		}
		m.Outputs = append(m.Outputs, v)
	}
	// The values read from enclosing scopes, in order of first use.
	isFree := map[string]bool{}
	use := func(name string) error {
		if local[name] || produced[name] || isFree[name] {
			return nil
		}
		if !outer[name] {
			return fmt.Errorf("subgraph reads %q, which nothing defines", name)
		}
		isFree[name] = true
		sg.free = append(sg.free, name)
		return nil
	}
	for _, n := range nodes {
		for _, in := range n.Inputs {
			if err := use(in); err != nil {
				return nil, fmt.Errorf("node %q (%s): %w", n.Name, n.Op, err)
			}
		}
	}
	for _, o := range m.Outputs {
		if o.Name == "" {
			return nil, errors.New("subgraph output has no name")
		}
		if err := use(o.Name); err != nil {
			return nil, err
		}
	}
	defined := map[string]bool{}
	for k := range local {
		defined[k] = true
	}
	for _, k := range sg.free {
		defined[k] = true
		m.Inputs = append(m.Inputs, ValueInfo{Name: k})
	}
	var err error
	if m.nodes, err = toposort(nodes, defined); err != nil {
		return nil, err
	}
	if err := m.simplify(); err != nil {
		return nil, err
	}
	return sg, nil
}

// checkSubgraphSupport lists the unsupported nodes inside the graph
// attributes of np (for CheckSupport), depth levels down.
func checkSubgraphSupport(np *onnxpb.NodeProto, ops map[string]int64, depth int) ([]Unsupported, error) {
	var out []Unsupported
	for _, a := range np.GetAttribute() {
		gs := a.GetGraphs()
		if a.GetG() != nil {
			gs = append(gs, a.GetG())
		}
		for _, g := range gs {
			if depth+1 > maxSubgraphDepth {
				return nil, fmt.Errorf("node %q: %w: subgraphs nested more than %d deep", np.GetName(), ErrBadInput, maxSubgraphDepth)
			}
			for i, sn := range g.GetNode() {
				if _, err := nodeOf(sn, ops, i); err != nil {
					var ue *UnsupportedError
					if !errors.As(err, &ue) {
						return nil, err
					}
					out = append(out, *ue)
				}
				more, err := checkSubgraphSupport(sn, ops, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, more...)
			}
		}
	}
	return out, nil
}

// plan specialises the subgraph to its inputs: the formal inputs' infos
// (a nil info's contents are supplied at run time) followed by the
// node's implicit inputs, from which it picks the values it reads.
// Inputs whose info carries contents are constants of the plan.
func (sg *subgraph) plan(n *Node, formal []*info, in []*info, env *buildEnv) (*sessionPlan, error) {
	ins := append([]*info{}, formal...)
	for _, name := range sg.free {
		j := implicitIndex(n, name)
		if j < 0 || in[j] == nil {
			return nil, fmt.Errorf("internal error: implicit input %q missing", name)
		}
		ins = append(ins, in[j])
	}
	p, err := sg.m.planFrom(ins, true, env)
	if err != nil {
		return nil, err
	}
	subgraphPlans.Add(1)
	return &sessionPlan{p: p}, nil
}

// subgraphPlans counts the subgraph plans built (for tests: a body is
// planned once per set of input shapes).
var subgraphPlans atomic.Int64

// implicitIndex is the position of an outer value among n's inputs past
// its declared ones, or -1.
func implicitIndex(n *Node, name string) int {
	for j := n.declared; j < len(n.Inputs); j++ {
		if n.Inputs[j] == name {
			return j
		}
	}
	return -1
}

// runSub runs a subgraph plan: formal holds the formal inputs' tensors
// (entries the plan holds as constants may be nil), in the node's inputs
// from which the implicit ones are taken. It returns copies of the
// outputs.
func runSub(sg *subgraph, n *Node, sp *sessionPlan, formal []*Tensor, in []*Tensor) []*Tensor {
	all := append([]*Tensor{}, formal...)
	for _, name := range sg.free {
		all = append(all, in[implicitIndex(n, name)])
	}
	ws := sp.get()
	if ws == nil {
		ws = sp.p.newWorkspace()
	}
	out, err := sp.p.run(ws, all)
	sp.put(ws)
	if err != nil {
		panic(subgraphFault{err})
	}
	return out
}

// subgraphFault carries a subgraph's run error out of a kernel (whose run
// returns no error); recovered unwraps it.
type subgraphFault struct{ err error }

// runtimeInfo is the info of a value whose contents change from run to
// run (or iteration to iteration): its type and shape only.
func runtimeInfo(x *info) *info { return &info{dt: x.dt, shape: x.shape} }

// scalarInfo is a 0-d int64 or bool value, constant when c is given.
func scalarInfo(dt DType, c *int64) *info {
	inf := &info{dt: dt, shape: []int{}}
	if c != nil {
		inf.c = &Tensor{DType: dt, Shape: []int{}, I: []int64{*c}}
	}
	return inf
}

// infoKey identifies a list of infos: types, shapes and constant contents.
func infoKey(ins []*info) string {
	var b strings.Builder
	for _, x := range ins {
		if x == nil {
			b.WriteString("-;")
			continue
		}
		fmt.Fprint(&b, x.dt, shapeStr(x.shape))
		if x.c != nil {
			fmt.Fprint(&b, "=", x.c.I, x.c.F)
		}
		b.WriteByte(';')
	}
	return b.String()
}

// copyInto copies src's data into dst (same type and element count) at
// element offset off.
func copyInto(dst, src *Tensor, off int) {
	if dst.DType == Float32 {
		copy(dst.F[off:], src.F)
	} else {
		copy(dst.I[off:], src.I)
	}
}

// sameInfoType reports whether a and b have the same type and shape.
func sameInfoType(a, b *info) bool { return a.dt == b.dt && sameShape(a.shape, b.shape) }
