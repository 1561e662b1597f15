package importer

import "fmt"

// Loop runs its body while the iteration number is below the trip count
// M and the condition holds (either input may be absent, not both).
// Inputs: M, cond, the initial loop-carried values, then the outer values
// the body reads. The body takes the iteration number, the condition and
// the loop-carried values, and gives the next condition, the next
// loop-carried values and the scan outputs, which the node stacks along
// a new first axis. See loopBody for how the body is planned: scan
// outputs need a number of iterations known at plan time (a constant
// trip count, or one computed from shapes, with a condition that stays
// constant).

func checkLoop(n *Node) error {
	if g := n.attrs["body"]; g == nil || g.GetG() == nil {
		return fmt.Errorf("graph attribute \"body\" missing")
	}
	if len(n.Inputs) < 2 {
		return fmt.Errorf("Loop needs the inputs M and cond (either may be empty), has %d inputs", len(n.Inputs))
	}
	return nil
}

func buildLoop(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	body := n.graphs["body"]
	nc := n.declared - 2
	if body.formal != nc+2 {
		return nil, nil, fmt.Errorf("%w: the body has %d inputs, wants %d (iteration number, condition and %d loop-carried values)", ErrBadInput, body.formal, nc+2, nc)
	}
	nScan := len(body.m.Outputs) - 1 - nc
	if nScan < 0 || len(n.Outputs) > nc+nScan {
		return nil, nil, fmt.Errorf("%w: the body has %d outputs and the node %d, for %d loop-carried values", ErrBadInput, len(body.m.Outputs), len(n.Outputs), nc)
	}
	trips := -1
	if m := input(in, 0); m != nil {
		if m.dt != Int64 || numel(m.shape) != 1 {
			return nil, nil, fmt.Errorf("%w: the trip count must be one int64, is %v%v", ErrBadInput, m.dt, m.shape)
		}
		if m.c != nil {
			if m.c.I[0] > maxLoopTrips {
				return nil, nil, fmt.Errorf("%w: trip count %d is over the limit of %d iterations", ErrBadInput, m.c.I[0], maxLoopTrips)
			}
			trips = int(max(m.c.I[0], 0))
		}
	}
	one := int64(1)
	cond := scalarInfo(Bool, &one)
	useCond := input(in, 1) != nil
	if useCond {
		c := in[1]
		if c.dt != Bool || numel(c.shape) != 1 {
			return nil, nil, fmt.Errorf("%w: the condition must be one bool, is %v%v", ErrBadInput, c.dt, c.shape)
		}
		cond = scalarInfo(Bool, nil)
		if c.c != nil {
			v := c.c.I[0]
			cond = scalarInfo(Bool, &v)
		}
	}
	if input(in, 0) == nil && !useCond {
		return nil, nil, fmt.Errorf("%w: neither a trip count nor a condition: the loop would never end", ErrBadInput)
	}
	cur := make([]*info, nc)
	for j := range cur {
		if in[2+j] == nil {
			return nil, nil, fmt.Errorf("%w: loop-carried input %d is missing", ErrBadInput, j)
		}
		cur[j] = runtimeInfo(in[2+j])
	}
	lb := &loopBody{sg: body, n: n, in: in, env: env, hasCond: true, useCond: useCond, nCarried: nc,
		cache: map[string]*sessionPlan{}}
	lb.formal = func(i int, cond *info, cur []*info) []*info {
		var iter *int64
		if lb.iterConst {
			v := int64(i)
			iter = &v
		}
		if !useCond {
			cond = scalarInfo(Bool, nil) // ignored by the loop; the body may still read it
		}
		return append([]*info{scalarInfo(Int64, iter), cond}, cur...)
	}
	r, err := lb.simulate(trips, cond, cur)
	if err != nil && isPlanTimeOnly(err) && trips >= 0 {
		// The body needs the iteration number when it is planned (a
		// Slice at it): plan each iteration.
		lb.iterConst = true
		r, err = lb.simulate(trips, cond, cur)
	}
	if err != nil {
		return nil, nil, err
	}
	outs := make([]*info, len(n.Outputs))
	for j := range outs {
		if j < nc {
			outs[j] = r.carried[j]
			continue
		}
		if r.trips < 0 {
			return nil, nil, fmt.Errorf("scan output %q of a loop whose number of iterations depends on the data: %w data-dependent shape", n.Outputs[j], ErrUnsupported)
		}
		s := r.scan[j-nc]
		outs[j] = &info{dt: s.dt, shape: append([]int{r.trips}, s.shape...)}
	}
	return outs, loopKernel(n, body, r, nc, useCond, len(outs)), nil
}

func loopKernel(n *Node, body *subgraph, r *bodyRun, nc int, useCond bool, nOut int) *kernel {
	return &kernel{run: func(in, out []*Tensor, _ []float32) {
		limit := int64(-1)
		if in[0] != nil {
			limit = in[0].I[0]
			if limit > maxLoopTrips {
				badInput("Loop trip count %d is over the limit of %d iterations", limit, maxLoopTrips)
			}
		}
		cond := true
		if useCond {
			cond = in[1].I[0] != 0
		}
		cur := append([]*Tensor{}, in[2:2+nc]...)
		iterT := &Tensor{DType: Int64, Shape: []int{}, I: []int64{0}}
		condT := &Tensor{DType: Bool, Shape: []int{}, I: []int64{1}}
		i := 0
		for ; cond && (limit < 0 || int64(i) < limit); i++ {
			if i >= maxLoopTrips {
				badInput("Loop ran %d iterations without its condition ending it, the limit", maxLoopTrips)
			}
			iterT.I[0] = int64(i)
			condT.I[0] = int64(btoi(cond))
			res := runSub(body, n, r.at(i), append([]*Tensor{iterT, condT}, cur...), in)
			if useCond {
				cond = res[0].I[0] != 0
			}
			cur = res[1 : 1+nc]
			for j := nc; j < nOut; j++ {
				if n.Outputs[j] != "" {
					s := res[1+j]
					copyInto(out[j], s, i*s.Len())
				}
			}
		}
		if r.trips >= 0 && i != r.trips {
			badInput("Loop ran %d iterations, %d were planned", i, r.trips)
		}
		for j := 0; j < nc && j < nOut; j++ {
			if n.Outputs[j] != "" {
				copyInto(out[j], cur[j], 0)
			}
		}
	}}
}
