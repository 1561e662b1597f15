package importer

import "math"

// fuseActivations merges into a convolution step the activation that
// follows it, when the convolution's kernel offers an activated form, it
// applies no ReLU of its own, and nothing else reads its output: a
// HardSwish, HardSigmoid, Sigmoid or Clip (constant limits: ReLU6) node
// reading it, or SiLU, written by
// exporters as Sigmoid(x) and Mul(x, Sigmoid(x)) (x then has exactly
// those two readers and the sigmoid only the Mul). The convolution
// applies the activation as it stores its output (depthwise and 1x1
// convolutions while it is in cache, the others in a pass over it right
// after), so that the activation's own pass, buffer and node are gone.
// Like fuseResiduals, only inference plans do this.
func (p *plan) fuseActivations() {
	producer, uses := p.producersAndUses()
	reader := make([]int, len(p.infos)) // the last step that reads each value
	for si, s := range p.steps {
		for _, id := range s.in {
			if id >= 0 {
				reader[id] = si
			}
		}
	}
	drop := make([]bool, len(p.steps))
	for j, s := range p.steps {
		if drop[j] || len(s.in) == 0 || len(s.out) != 1 || s.in[0] < 0 || s.out[0] < 0 ||
			(len(s.in) != 1 && s.node.Op != "Clip") {
			continue
		}
		x, out := s.in[0], s.out[0]
		var a activation
		var mul = -1 // the Mul step of SiLU
		switch s.node.Op {
		case "HardSwish":
			a = activation{op: "HardSwish"}
		case "HardSigmoid":
			a = activation{op: "HardSigmoid", alpha: s.node.attrFloat("alpha", 0.2), beta: s.node.attrFloat("beta", 0.5)}
		case "Clip":
			var ok bool
			if a, ok = p.clipActivation(s); !ok {
				continue
			}
		case "Sigmoid":
			a = activation{op: "Sigmoid"}
			if m := reader[out]; uses[x] == 2 && uses[out] == 1 && p.isProduct(m, x, out) {
				a, mul, out = activation{op: "SiLU"}, m, p.steps[m].out[0]
			}
		default:
			continue
		}
		if mul < 0 && uses[x] != 1 {
			continue
		}
		i := producer[x]
		if i < 0 || drop[i] {
			continue
		}
		c := p.steps[i]
		if c.node.Op != "Conv" || c.k.activated == nil || c.node.fuseRelu || len(c.out) != 1 || c.out[0] != x ||
			p.infos[x].dt != Float32 || !sameShape(p.infos[x].shape, p.infos[out].shape) {
			continue
		}
		p.steps[i] = step{node: c.node, k: c.k.activated(a), in: c.in, out: []int{out}}
		drop[j] = true
		if mul >= 0 {
			drop[mul] = true
		}
	}
	p.dropSteps(drop)
}

// clipActivation is Clip step s as an activation, when its limits are
// attributes (before opset 11) or absent or constant float32 scalars.
func (p *plan) clipActivation(s step) (activation, bool) {
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	if s.node.Opset < 11 {
		lo, hi = s.node.attrFloat("min", lo), s.node.attrFloat("max", hi)
	}
	for i, lim := range []*float32{&lo, &hi} {
		if i+1 >= len(s.in) || s.in[i+1] < 0 {
			continue
		}
		c := p.infos[s.in[i+1]].c
		if c == nil || c.DType != Float32 || len(c.F) != 1 {
			return activation{}, false
		}
		*lim = c.F[0]
	}
	return activation{op: "Clip", alpha: lo, beta: hi}, true
}

// isProduct reports whether step m is a Mul of values x and y (either
// order) into one output.
func (p *plan) isProduct(m, x, y int) bool {
	s := p.steps[m]
	return s.node.Op == "Mul" && len(s.in) == 2 && len(s.out) == 1 && s.out[0] >= 0 &&
		((s.in[0] == x && s.in[1] == y) || (s.in[0] == y && s.in[1] == x))
}

// producersAndUses returns the step producing each value (-1 for inputs
// and constants) and the number of its readers, graph outputs counting
// two.
func (p *plan) producersAndUses() (producer, uses []int) {
	producer = make([]int, len(p.infos))
	for i := range producer {
		producer[i] = -1
	}
	uses = make([]int, len(p.infos))
	for si, s := range p.steps {
		for _, id := range s.out {
			if id >= 0 {
				producer[id] = si
			}
		}
		for _, id := range s.in {
			if id >= 0 {
				uses[id]++
			}
		}
	}
	for _, id := range p.outputs {
		uses[id] += 2
	}
	return producer, uses
}

// dropSteps removes the steps marked in drop and recomputes the scratch
// the plan needs.
func (p *plan) dropSteps(drop []bool) {
	kept := p.steps[:0]
	for j, s := range p.steps {
		if !drop[j] {
			kept = append(kept, s)
		}
	}
	p.steps = kept
	p.scratch = 0
	for _, s := range p.steps {
		p.scratch = max(p.scratch, s.k.scratch)
	}
}
