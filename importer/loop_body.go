package importer

import (
	"errors"
	"fmt"
)

// maxLoopTrips bounds the iterations of a Loop: a trip count above it is
// refused when the model is planned (a constant one) or before the first
// iteration (one computed at run time), and a loop that a condition has
// not ended after this many iterations stops with an error (after about
// a second for a small body: a loop that never ends is an error, not a
// hang).
const maxLoopTrips = 1 << 16

// maxPlannedIterations bounds the iterations of a Loop or Scan planned one
// by one: bodies whose loop-carried shapes change between iterations, or
// that need the iteration number when they are planned (a Slice at the
// iteration number).
const maxPlannedIterations = 1024

// loopBody plans the body of a Loop or Scan iteration by iteration. The
// body is planned once per distinct set of input types, shapes and
// constant contents (cache): a body whose loop-carried values keep their
// shapes is planned once (twice when the first iteration's condition is
// a constant and the later ones are not) and that plan runs every
// iteration.
type loopBody struct {
	sg  *subgraph
	n   *Node
	in  []*info // the node's inputs (implicit ones included)
	env *buildEnv
	// formal builds the body's formal inputs for iteration i, the
	// condition cond (Loop) and the loop-carried values cur.
	formal func(i int, cond *info, cur []*info) []*info
	// hasCond: the body's first output is the condition (Loop);
	// useCond: the node has a condition, so that output ends the loop.
	hasCond, useCond bool
	// iterConst: formal gives each iteration's number as a constant,
	// so every iteration has its own plan.
	iterConst bool
	nCarried  int
	cache     map[string]*sessionPlan
}

// bodyRun is a body planned for every iteration it may run.
type bodyRun struct {
	plans  []*sessionPlan // the plan of iteration i
	repeat bool           // the last plan also runs every later iteration
	// trips is the number of iterations when it is known at plan time,
	// else -1 (a trip count or a condition computed at run time).
	trips   int
	carried []*info // the loop-carried values after the last iteration
	scan    []*info // one iteration's scan outputs (nil if never planned)
}

// at is the plan of iteration i.
func (r *bodyRun) at(i int) *sessionPlan {
	switch {
	case i < len(r.plans):
		return r.plans[i]
	case r.repeat:
		return r.plans[len(r.plans)-1]
	}
	badInput("iteration %d was not planned (%d iterations known at plan time)", i, len(r.plans))
	return nil
}

func (lb *loopBody) plan(formal []*info) (*sessionPlan, error) {
	key := infoKey(formal)
	if sp, ok := lb.cache[key]; ok {
		return sp, nil
	}
	sp, err := lb.sg.plan(lb.n, formal, lb.in, lb.env)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	lb.cache[key] = sp
	return sp, nil
}

// simulate plans the iterations, following the loop-carried values'
// shapes (and the condition when it is known) from cur and cond, until
// the trip count (-1: none known) or a constant false condition ends
// the loop, or a fixed point is reached: an iteration whose inputs are
// planned as the next one's would be. A loop whose shapes change and
// whose end depends on the data cannot be planned.
func (lb *loopBody) simulate(trips int, cond *info, cur []*info) (*bodyRun, error) {
	r := &bodyRun{trips: -1}
	ended := false
	for i := 0; ; i++ {
		if trips >= 0 && i >= trips || lb.useCond && cond.c != nil && cond.c.I[0] == 0 {
			r.trips, ended = i, true
			break
		}
		if i >= maxPlannedIterations {
			return nil, fmt.Errorf("planning more than %d iterations one by one (the loop-carried shapes change, or the body needs the iteration number): %w", maxPlannedIterations, ErrUnsupported)
		}
		formal := lb.formal(i, cond, cur)
		sp, err := lb.plan(formal)
		if err != nil {
			return nil, err
		}
		outs := make([]*info, len(sp.p.outputs))
		for j, id := range sp.p.outputs {
			outs[j] = sp.p.infos[id]
		}
		off := 0
		if lb.hasCond {
			off = 1
		}
		if len(outs) < off+lb.nCarried {
			return nil, fmt.Errorf("%w: the body has %d outputs, wants at least %d", ErrBadInput, len(outs), off+lb.nCarried)
		}
		next := make([]*info, lb.nCarried)
		for j := range next {
			o := outs[off+j]
			if o.dt != cur[j].dt {
				return nil, fmt.Errorf("%w: loop-carried value %d enters as %v and leaves the body as %v", ErrBadInput, j, cur[j].dt, o.dt)
			}
			next[j] = runtimeInfo(o)
		}
		scan := outs[off+lb.nCarried:]
		if r.scan == nil {
			r.scan = make([]*info, len(scan))
			for k, s := range scan {
				r.scan[k] = runtimeInfo(s)
			}
		} else {
			for k, s := range scan {
				if !sameInfoType(s, r.scan[k]) {
					return nil, fmt.Errorf("scan output %d is %v%v in one iteration and %v%v in another: %w data-dependent shape",
						k, r.scan[k].dt, r.scan[k].shape, s.dt, s.shape, ErrUnsupported)
				}
			}
		}
		nextCond := cond
		if lb.useCond {
			o := outs[0]
			if o.dt != Bool || numel(o.shape) != 1 {
				return nil, fmt.Errorf("%w: the body's condition output is %v%v, wants one bool", ErrBadInput, o.dt, o.shape)
			}
			nextCond = scalarInfo(Bool, nil)
			if o.c != nil {
				v := o.c.I[0]
				nextCond = scalarInfo(Bool, &v)
			}
		}
		r.plans = append(r.plans, sp)
		if !lb.iterConst && infoKey(lb.formal(i+1, nextCond, next)) == infoKey(formal) {
			r.repeat = true
			if trips >= 0 && (!lb.useCond || nextCond.c != nil) {
				r.trips = trips
			}
			cur = next
			break
		}
		known := trips >= 0 && (!lb.useCond || nextCond.c != nil)
		if !known && infoKey(next) != infoKey(cur) {
			return nil, fmt.Errorf("the loop-carried values change shape between iterations (%s to %s) of a loop whose end depends on the data: %w data-dependent shape",
				infoKey(cur), infoKey(next), ErrUnsupported)
		}
		cur, cond = next, nextCond
	}
	r.carried = cur
	if ended && r.scan == nil && len(lb.sg.m.Outputs) > lb.nCarried+btoi(lb.hasCond) {
		// No iteration runs: plan one anyway for the scan outputs' shapes.
		sp, err := lb.plan(lb.formal(0, cond, cur))
		if err != nil {
			return nil, err
		}
		for _, id := range sp.p.outputs[btoi(lb.hasCond)+lb.nCarried:] {
			r.scan = append(r.scan, runtimeInfo(sp.p.infos[id]))
		}
	}
	return r, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isPlanTimeOnly reports whether err says that a value had to be known
// when the body was planned (Slice at the iteration number).
func isPlanTimeOnly(err error) bool { return errors.Is(err, ErrUnsupported) }
