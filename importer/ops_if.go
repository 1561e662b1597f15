package importer

import "fmt"

// If runs then_branch or else_branch by a one-element bool condition.
// The branches read outer values (the node's implicit inputs) and have
// no inputs of their own. A condition known when the model is planned
// (a constant, a value computed from shapes) plans the taken branch only,
// and the node folds away when that branch's outputs are constants.
// Otherwise both branches are planned and must give outputs of the same
// types and shapes: a shape that depends on the data is refused.

func checkIf(n *Node) error {
	for _, a := range []string{"then_branch", "else_branch"} {
		if g := n.attrs[a]; g == nil || g.GetG() == nil {
			return fmt.Errorf("graph attribute %q missing", a)
		}
	}
	if len(n.Inputs) < 1 || n.Inputs[0] == "" {
		return fmt.Errorf("the condition input is missing")
	}
	return nil
}

func buildIf(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	cond := in[0]
	if cond.dt != Bool || numel(cond.shape) != 1 {
		return nil, nil, fmt.Errorf("%w: the condition must be one bool, is %v%v", ErrBadInput, cond.dt, cond.shape)
	}
	branches := []*subgraph{n.graphs["then_branch"], n.graphs["else_branch"]}
	for _, b := range branches {
		if b.formal != 0 {
			return nil, nil, fmt.Errorf("%w: a branch of If has %d inputs, wants none", ErrBadInput, b.formal)
		}
		if len(b.m.Outputs) != len(n.Outputs) {
			return nil, nil, fmt.Errorf("%w: a branch has %d outputs, the node %d", ErrBadInput, len(b.m.Outputs), len(n.Outputs))
		}
	}
	plans := make([]*sessionPlan, 2)
	if cond.c != nil {
		taken := 1
		if cond.c.I[0] != 0 {
			taken = 0
		}
		sp, err := branches[taken].plan(n, nil, in, env)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", []string{"then_branch", "else_branch"}[taken], err)
		}
		plans[taken] = sp
		outs := make([]*info, len(sp.p.outputs))
		allConst := true
		for j, id := range sp.p.outputs {
			outs[j] = sp.p.infos[id]
			allConst = allConst && outs[j].c != nil
		}
		if allConst {
			return outs, nil, nil
		}
		for j := range outs {
			outs[j] = runtimeInfo(outs[j])
		}
		return outs, ifKernel(n, branches, plans), nil
	}
	for b := range branches {
		sp, err := branches[b].plan(n, nil, in, env)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", []string{"then_branch", "else_branch"}[b], err)
		}
		plans[b] = sp
	}
	outs := make([]*info, len(n.Outputs))
	for j := range outs {
		t, e := plans[0].p.infos[plans[0].p.outputs[j]], plans[1].p.infos[plans[1].p.outputs[j]]
		if !sameInfoType(t, e) {
			return nil, nil, fmt.Errorf("output %d is %v%v in then_branch and %v%v in else_branch: %w data-dependent shape",
				j, t.dt, t.shape, e.dt, e.shape, ErrUnsupported)
		}
		outs[j] = runtimeInfo(t)
	}
	return outs, ifKernel(n, branches, plans), nil
}

// ifKernel runs the branch the condition picks (plans[0] then,
// plans[1] else; a branch never taken has no plan).
func ifKernel(n *Node, branches []*subgraph, plans []*sessionPlan) *kernel {
	return &kernel{run: func(in, out []*Tensor, _ []float32) {
		b := 1
		if in[0].I[0] != 0 {
			b = 0
		}
		if plans[b] == nil {
			badInput("If: the condition changed after planning")
		}
		res := runSub(branches[b], n, plans[b], nil, in)
		for j, r := range res {
			copyInto(out[j], r, 0)
		}
	}}
}

// backIf differentiates the branch the condition took: that branch is
// run again on a tape (a GradSession over it, kept on the node) and its
// gradients with respect to the outer values it reads are added to
// theirs. The condition has no gradient.
func backIf(c *backCtx) error {
	name := "else_branch"
	if c.in[0].I[0] != 0 {
		name = "then_branch"
	}
	sg := c.n.graphs[name]
	gs, err := branchGradSession(c.n, name, sg, c.in)
	if err != nil {
		return err
	}
	feed := map[string]*Tensor{}
	for _, v := range sg.free {
		feed[v] = c.in[implicitIndex(c.n, v)]
	}
	tape, err := gs.Forward(feed)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer tape.Release()
	seeds := map[string]*Tensor{}
	for j, o := range sg.m.Outputs {
		if j >= len(c.gout) || c.gout[j] == nil || c.out[j].DType != Float32 {
			continue
		}
		if s, ok := seeds[o.Name]; ok { // a value given as two outputs
			addTo(s.F, c.gout[j])
			continue
		}
		seeds[o.Name] = &Tensor{DType: Float32, Shape: c.out[j].Shape, F: append([]float32{}, c.gout[j]...)}
	}
	grads, err := tape.Backward(seeds)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, v := range sg.free {
		j := implicitIndex(c.n, v)
		if g := grads.Inputs[v]; c.gin[j] != nil && g != nil {
			addTo(c.gin[j], g.F)
		}
	}
	return nil
}

// branchGradSession is a GradSession over one branch of an If node,
// whose inputs are the outer values the branch reads (of any shape),
// built on first use and kept on the node.
func branchGradSession(n *Node, name string, sg *subgraph, in []*Tensor) (*GradSession, error) {
	key := "grad/" + name
	if gs, ok := n.cache.Load(key); ok {
		return gs.(*GradSession), nil
	}
	m := *sg.m
	m.Inputs = make([]ValueInfo, len(sg.free))
	for i, v := range sg.free {
		m.Inputs[i] = ValueInfo{Name: v, DType: in[implicitIndex(n, v)].DType}
	}
	gs, err := NewGradSession(&m)
	if err != nil {
		return nil, err
	}
	actual, _ := n.cache.LoadOrStore(key, gs)
	return actual.(*GradSession), nil
}
