package importer

import (
	"fmt"
	"strings"

	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
)

// info is what the planner knows of a value: its type, its concrete shape
// and, when it is known before running, its contents.
type info struct {
	dt    DType
	shape []int
	c     *Tensor
}

func constInfo(t *Tensor) *info { return &info{dt: t.DType, shape: t.Shape, c: t} }

// kernel is an operator instance specialised to concrete input shapes.
type kernel struct {
	// run computes out from in. Output tensors come with their shapes
	// and (unless alias) their preallocated data; scratch holds at least
	// the requested number of float32s.
	run     func(in, out []*Tensor, scratch []float32)
	scratch int
	// alias marks ops whose output 0 is a view of input 0's data
	// (Reshape, Flatten, Squeeze, Identity...): run only sets out[0].F/I.
	alias bool
	// residual, when set, returns the same operator fused with a
	// following Add of a same-shape tensor (then ReLU if relu): the
	// returned kernel reads that tensor as input 3 and writes
	// relu?(op(x) + residual). Set by the convolutions that can apply it
	// as they store their output.
	residual func(relu bool) *kernel
	// activated, when set, returns the same operator with an activation
	// applied to its output as it is stored (fuseActivations).
	activated func(a activation) *kernel
}

// step is one kernel call of a plan.
type step struct {
	node    *Node
	k       *kernel
	in, out []int // value ids; -1 for an absent optional input
}

// plan is the model specialised to one set of input shapes: every shape
// is concrete, everything computable from constants and shapes has been
// computed, and every intermediate value has a slot in a reusable buffer.
type plan struct {
	steps     []step
	infos     []*info
	names     []string
	inputs    []int // value ids of the graph inputs, in Model.Inputs order
	outputs   []int // value ids of the graph outputs
	bufOf     []int // buffer id of each value, -1 if const, input or alias
	bufSize   []int
	bufType   []DType
	scratch   int
	runtimeIn []bool // inputs whose data is supplied at run time
}

// planKey identifies the plan for a set of inputs: their shapes, and the
// contents of the small integer inputs that are folded as constants.
func (m *Model) planKey(in []*Tensor) string {
	var b strings.Builder
	for i, t := range in {
		b.WriteString(shapeStr(t.Shape))
		if m.foldableInput(i, t) {
			fmt.Fprint(&b, t.I, t.F)
		}
		b.WriteByte(';')
	}
	return b.String()
}

// foldableInput reports whether input i is folded into the plan as a
// constant: small int64/bool tensors declared with at most one dimension
// (or no shape) are shapes, axes or indices. Token ids and masks
// ([batch, seq]) are data: folding them would plan every call anew.
// Small inputs that a node reads when it is planned (Resize's scales,
// Range's bounds: opDef.planInputs) are folded whatever their type.
func (m *Model) foldableInput(i int, t *Tensor) bool {
	small := t.Len() <= 64 && (m.Inputs[i].Shape == nil || len(m.Inputs[i].Shape) <= 1)
	return small && ((t.DType != Float32 && t.DType != Float64) || m.planIn[m.Inputs[i].Name])
}

// buildPlan specialises the model to the given inputs (Model.Inputs order;
// only shapes and foldable contents are used). With fuse, residual Adds
// are merged into the convolutions that produce one of their operands
// (fuseResiduals), and activations into the convolutions before them
// (fuseActivations); gradient plans do not, so that every node keeps its
// own step.
func (m *Model) buildPlan(in []*Tensor, fuse bool, env *buildEnv) (*plan, error) {
	ins := make([]*info, len(m.Inputs))
	for i, vi := range m.Inputs {
		t := in[i]
		ins[i] = &info{dt: vi.DType, shape: append([]int{}, t.Shape...)}
		if m.foldableInput(i, t) {
			ins[i].c = t.Clone()
		}
	}
	return m.planFrom(ins, fuse, env)
}

// planFrom is buildPlan given the inputs' infos (Model.Inputs order): an
// input whose info has contents is a constant of the plan, the others are
// supplied at run time. Subgraphs are planned this way (subgraph.go).
func (m *Model) planFrom(ins []*info, fuse bool, env *buildEnv) (*plan, error) {
	p := &plan{}
	ids := map[string]int{}
	add := func(name string, inf *info) int {
		p.infos = append(p.infos, inf)
		p.names = append(p.names, name)
		ids[name] = len(p.infos) - 1
		return len(p.infos) - 1
	}
	lookup := func(name string) (int, error) {
		if id, ok := ids[name]; ok {
			return id, nil
		}
		if t, ok := m.consts[name]; ok {
			return add(name, constInfo(t)), nil
		}
		return -1, fmt.Errorf("value %q is not defined", name)
	}
	for i, vi := range m.Inputs {
		p.inputs = append(p.inputs, add(vi.Name, ins[i]))
		p.runtimeIn = append(p.runtimeIn, ins[i].c == nil)
	}
	for _, n := range m.nodes {
		ins := make([]*info, len(n.Inputs))
		inIDs := make([]int, len(n.Inputs))
		allConst := true
		for j, name := range n.Inputs {
			inIDs[j] = -1
			if name == "" {
				continue
			}
			id, err := lookup(name)
			if err != nil {
				return nil, fmt.Errorf("node %q (%s): %w", n.Name, n.Op, err)
			}
			inIDs[j] = id
			ins[j] = p.infos[id]
			if ins[j].c == nil {
				allConst = false
			}
		}
		outs, k, err := safeBuild(n, ins, env)
		if err != nil {
			return nil, err
		}
		if len(outs) < len(n.Outputs) {
			for _, o := range n.Outputs[len(outs):] {
				if o != "" {
					return nil, fmt.Errorf("node %q (%s): output %q is not supported", n.Name, n.Op, o)
				}
			}
		}
		folded := false
		if k == nil {
			for _, o := range outs {
				if o.c == nil {
					return nil, fmt.Errorf("node %q (%s): internal error: no kernel and no constant output", n.Name, n.Op)
				}
			}
		} else if allConst && foldable(outs) {
			if err := evalConst(k, ins, outs); err != nil {
				return nil, fmt.Errorf("node %q (%s): %w", n.Name, n.Op, err)
			}
			folded = true
		}
		outIDs := make([]int, len(n.Outputs))
		for j, name := range n.Outputs {
			outIDs[j] = -1
			if name == "" || j >= len(outs) {
				continue
			}
			outIDs[j] = add(name, outs[j])
		}
		if k != nil && !folded {
			p.steps = append(p.steps, step{node: n, k: k, in: inIDs, out: outIDs})
			if k.scratch > p.scratch {
				p.scratch = k.scratch
			}
		}
	}
	for _, o := range m.Outputs {
		id, err := lookup(o.Name)
		if err != nil {
			return nil, fmt.Errorf("graph output: %w", err)
		}
		p.outputs = append(p.outputs, id)
	}
	if fuse {
		p.fuseResiduals()
		p.fuseActivations()
	}
	p.assignBuffers()
	return p, nil
}

// fuseResiduals merges each Add of two same-shape float32 values (a
// residual connection, possibly with a fused ReLU) into the step that
// produces the later of its operands, when that step is a convolution
// whose kernel offers a residual form, its output feeds only the Add,
// and it applies no ReLU of its own. The convolution then adds the other
// operand (computed earlier) as it stores its output: one pass over the
// activations instead of three.
func (p *plan) fuseResiduals() {
	producer, uses := p.producersAndUses()
	drop := make([]bool, len(p.steps))
	for j, s := range p.steps {
		if s.node.Op != "Add" || len(s.in) != 2 || len(s.out) != 1 || s.in[0] < 0 || s.in[1] < 0 || s.in[0] == s.in[1] {
			continue
		}
		a, b, o := p.infos[s.in[0]], p.infos[s.in[1]], p.infos[s.out[0]]
		if a.dt != Float32 || b.dt != Float32 || a.c != nil || b.c != nil || !sameShape(a.shape, b.shape) || !sameShape(a.shape, o.shape) {
			continue
		}
		x, r := s.in[0], s.in[1]
		if producer[r] > producer[x] {
			x, r = r, x
		}
		i := producer[x]
		if i < 0 || drop[i] || uses[x] != 1 {
			continue
		}
		c := p.steps[i]
		if c.node.Op != "Conv" || c.k.residual == nil || c.node.fuseRelu || len(c.out) != 1 || c.out[0] != x {
			continue
		}
		in := append([]int{}, c.in...)
		for len(in) < 3 {
			in = append(in, -1)
		}
		p.steps[i] = step{node: c.node, k: c.k.residual(s.node.fuseRelu), in: append(in, r), out: []int{s.out[0]}}
		drop[j] = true
	}
	p.dropSteps(drop)
}

// foldLimit bounds the size of values computed at load or plan time:
// bigger constant results are computed at run time instead, so that
// loading a model never allocates more than its data plus this.
const foldLimit = 1 << 24

func foldable(outs []*info) bool {
	for _, o := range outs {
		if numel(o.shape) > foldLimit {
			return false
		}
	}
	return true
}

// safeBuild calls the operator's build, turning a panic on malformed
// attributes into an error.
func safeBuild(n *Node, ins []*info, env *buildEnv) (outs []*info, k *kernel, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("node %q (%s, opset %d): malformed node: %v", n.Name, n.Op, n.Opset, r)
		}
	}()
	outs, k, err = buildNode(n, ins, env)
	if err != nil {
		return nil, nil, fmt.Errorf("node %q (%s, opset %d): %w", n.Name, n.Op, n.Opset, err)
	}
	for _, o := range outs {
		if _, err := checkedNumel(toInt64s(o.shape)); err != nil {
			return nil, nil, fmt.Errorf("node %q (%s): output %w", n.Name, n.Op, err)
		}
	}
	if k, err = narrowKernel(n, ins, outs, k); err != nil {
		return nil, nil, fmt.Errorf("node %q (%s, opset %d): %w", n.Name, n.Op, n.Opset, err)
	}
	return outs, k, nil
}

func toInt64s(s []int) []int64 {
	out := make([]int64, len(s))
	for i, d := range s {
		out[i] = int64(d)
	}
	return out
}

// evalConst runs a kernel on constant inputs at plan time and stores the
// results as the outputs' contents.
func evalConst(k *kernel, ins, outs []*info) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("evaluating constant: %w", recovered(r))
		}
	}()
	in := make([]*Tensor, len(ins))
	for i, x := range ins {
		if x != nil {
			in[i] = x.c
		}
	}
	out := make([]*Tensor, len(outs))
	for i, o := range outs {
		if k.alias && i == 0 {
			out[i] = &Tensor{DType: o.dt, Shape: o.shape}
		} else {
			out[i] = newTensor(o.dt, o.shape)
		}
	}
	k.run(in, out, make([]float32, k.scratch))
	for i, o := range outs {
		if k.alias && i == 0 {
			// Copy so that a constant never aliases another.
			out[i] = out[i].Clone()
		}
		o.c = out[i]
	}
	return nil
}

// assignBuffers gives every computed value a buffer, reusing the buffer
// of values that are dead (greedy best fit by size, per element type).
// Aliased values share their source's buffer.
func (p *plan) assignBuffers() {
	nv := len(p.infos)
	p.bufOf = make([]int, nv)
	root := make([]int, nv)
	for i := range root {
		root[i] = i
		p.bufOf[i] = -1
	}
	for _, s := range p.steps {
		if s.k.alias && s.in[0] >= 0 {
			root[s.out[0]] = root[s.in[0]]
		}
	}
	const forever = 1 << 30
	last := make([]int, nv)
	for i := range last {
		last[i] = -1
	}
	for si, s := range p.steps {
		for _, id := range s.in {
			if id >= 0 {
				last[root[id]] = si
			}
		}
		for _, id := range s.out {
			if id >= 0 && last[root[id]] < si {
				last[root[id]] = si
			}
		}
	}
	for _, id := range p.outputs {
		last[root[id]] = forever
	}
	var free []int
	for si, s := range p.steps {
		for j, id := range s.out {
			if id < 0 || (s.k.alias && j == 0) {
				continue
			}
			inf := p.infos[id]
			need := numel(inf.shape)
			best := -1
			for fi, b := range free {
				if p.bufType[b] != bufKind(inf.dt) {
					continue
				}
				if best < 0 || betterFit(p.bufSize[b], p.bufSize[free[best]], need) {
					best = fi
				}
			}
			if best >= 0 {
				b := free[best]
				free = append(free[:best], free[best+1:]...)
				if p.bufSize[b] < need {
					p.bufSize[b] = need
				}
				p.bufOf[id] = b
			} else {
				p.bufSize = append(p.bufSize, need)
				p.bufType = append(p.bufType, bufKind(inf.dt))
				p.bufOf[id] = len(p.bufSize) - 1
			}
		}
		// Release buffers whose values (and aliases) die at this step.
		seen := map[int]bool{}
		for _, id := range append(append([]int{}, s.in...), s.out...) {
			if id < 0 {
				continue
			}
			r := root[id]
			if seen[r] || last[r] != si || p.bufOf[r] < 0 {
				continue
			}
			seen[r] = true
			free = append(free, p.bufOf[r])
		}
	}
}

func bufKind(dt DType) DType {
	if dt == Float32 {
		return Float32
	}
	return Int64
}

// betterFit prefers the smallest buffer that holds need, else the largest.
func betterFit(a, b, need int) bool {
	aFits, bFits := a >= need, b >= need
	switch {
	case aFits && bFits:
		return a < b
	case aFits != bFits:
		return aFits
	default:
		return a > b
	}
}

// bufSlack is how many zeroed floats every float buffer of a workspace
// has past its end.
const bufSlack = sgemm.PanelN

// workspace is the per-run memory of a plan: one is used by one Run at a
// time, and they are pooled so that Runs allocate almost nothing.
type workspace struct {
	vals    []*Tensor
	stepIn  [][]*Tensor
	stepOut [][]*Tensor
	scratch []float32
}

func (p *plan) newWorkspace() *workspace {
	ws := &workspace{vals: make([]*Tensor, len(p.infos)), scratch: make([]float32, p.scratch)}
	bufF := make([][]float32, len(p.bufSize))
	bufI := make([][]int64, len(p.bufSize))
	for b, n := range p.bufSize {
		if p.bufType[b] == Float32 {
			// Zeroed slack past the end: kernels may read (never write)
			// up to bufSlack floats beyond a value (pointwiseConv reads
			// its input in place in whole tiles).
			bufF[b] = make([]float32, n+bufSlack)[:n]
		} else {
			bufI[b] = make([]int64, n)
		}
	}
	for id, inf := range p.infos {
		if inf.c != nil {
			ws.vals[id] = inf.c
			continue
		}
		t := &Tensor{DType: inf.dt, Shape: inf.shape}
		if b := p.bufOf[id]; b >= 0 {
			n := numel(inf.shape)
			if inf.dt == Float32 {
				t.F = bufF[b][:n]
			} else {
				t.I = bufI[b][:n]
			}
		}
		ws.vals[id] = t
	}
	for _, s := range p.steps {
		in := make([]*Tensor, len(s.in))
		for j, id := range s.in {
			if id >= 0 {
				in[j] = ws.vals[id]
			}
		}
		out := make([]*Tensor, len(s.out))
		for j, id := range s.out {
			if id >= 0 {
				out[j] = ws.vals[id]
			} else {
				out[j] = &Tensor{} // unused optional output
			}
		}
		ws.stepIn = append(ws.stepIn, in)
		ws.stepOut = append(ws.stepOut, out)
	}
	return ws
}

// run executes the plan on ws with the given inputs and returns copies of
// the outputs.
func (p *plan) run(ws *workspace, in []*Tensor) (out []*Tensor, err error) {
	for i, id := range p.inputs {
		if p.runtimeIn[i] {
			ws.vals[id].F, ws.vals[id].I = in[i].F, in[i].I
		}
	}
	defer func() {
		for i, id := range p.inputs { // drop references to the caller's data
			if p.runtimeIn[i] {
				ws.vals[id].F, ws.vals[id].I = nil, nil
			}
		}
	}()
	if err := p.forward(ws); err != nil {
		return nil, err
	}
	for _, id := range p.outputs {
		out = append(out, ws.vals[id].Clone())
	}
	return out, nil
}

// forward runs every step on ws (the caller's inputs already set).
func (p *plan) forward(ws *workspace) (err error) {
	si := -1
	defer func() {
		if r := recover(); r != nil {
			name := "?"
			if si >= 0 {
				name = p.steps[si].node.Name + " (" + p.steps[si].node.Op + ")"
			}
			err = fmt.Errorf("importer: node %s: %w", name, recovered(r))
		}
	}()
	for si = range p.steps {
		p.steps[si].k.run(ws.stepIn[si], ws.stepOut[si], ws.scratch)
	}
	return nil
}

var errNotConst = fmt.Errorf("must be a constant (or computable from shapes) when the model is planned: %w data-dependent shape", ErrUnsupported)
