package importer

import (
	"fmt"
)

// simplify rewrites the loaded graph before any run:
//   - Constant nodes become constants;
//   - nodes whose inputs are all constants are evaluated once (constant
//     folding; the shape-dependent plumbing is folded per input shape by
//     the planner);
//   - BatchNormalization after a Conv whose output feeds only it is folded
//     into the Conv's weights and bias;
//   - Relu after a Conv, Gemm or float Add whose output feeds only it is
//     fused into that node.
func (m *Model) simplify() error {
	var keep []*Node
	for _, n := range m.nodes {
		allConst := true
		for _, in := range n.Inputs {
			if _, ok := m.consts[in]; in != "" && !ok {
				allConst = false
			}
		}
		if !allConst {
			keep = append(keep, n)
			continue
		}
		outs, err := m.foldNode(n)
		if err != nil {
			return err
		}
		if outs == nil { // too big to fold: computed at run time
			keep = append(keep, n)
			continue
		}
		for i, name := range n.Outputs {
			if name != "" && i < len(outs) {
				m.consts[name] = outs[i]
			}
		}
	}
	m.nodes = keep
	if !m.keepBN {
		m.foldBatchNorm()
	}
	m.fuseRelu()
	m.fuseLayerNorm()
	m.fuseGelu()
	return nil
}

// foldNode evaluates a node whose inputs are all constants.
func (m *Model) foldNode(n *Node) ([]*Tensor, error) {
	ins := make([]*info, len(n.Inputs))
	for i, name := range n.Inputs {
		if name != "" {
			ins[i] = constInfo(m.consts[name])
		}
	}
	outs, k, err := safeBuild(n, ins, defaultEnv)
	if err != nil {
		return nil, err
	}
	if k != nil {
		if !foldable(outs) {
			return nil, nil
		}
		if err := evalConst(k, ins, outs); err != nil {
			return nil, fmt.Errorf("node %q (%s): %w", n.Name, n.Op, err)
		}
	}
	res := make([]*Tensor, len(outs))
	for i, o := range outs {
		res[i] = o.c
	}
	return res, nil
}

// uses counts the readers of every value, graph outputs included.
func (m *Model) uses() map[string]int {
	u := map[string]int{}
	for _, n := range m.nodes {
		for _, in := range n.Inputs {
			u[in]++
		}
	}
	for _, o := range m.Outputs {
		u[o.Name] += 1 << 20
	}
	return u
}

func (m *Model) producers() map[string]*Node {
	p := map[string]*Node{}
	for _, n := range m.nodes {
		for _, o := range n.Outputs {
			p[o] = n
		}
	}
	return p
}

func (m *Model) constF(name string, n int) []float32 {
	t, ok := m.consts[name]
	if !ok || t.DType != Float32 || len(t.F) != n {
		return nil
	}
	return t.F
}

func (m *Model) foldBatchNorm() {
	uses, prod := m.uses(), m.producers()
	var keep []*Node
	for _, n := range m.nodes {
		if n.Op == "BatchNormalization" && len(n.Inputs) == 5 && n.attrInt("training_mode", 0) == 0 && (len(n.Outputs) == 1 || allEmpty(n.Outputs[1:])) {
			conv := prod[n.Inputs[0]]
			if conv != nil && conv.Op == "Conv" && uses[n.Inputs[0]] == 1 && !conv.fuseRelu {
				if m.foldInto(conv, n) {
					continue
				}
			}
		}
		keep = append(keep, n)
	}
	m.nodes = keep
}

func allEmpty(s []string) bool {
	for _, v := range s {
		if v != "" {
			return false
		}
	}
	return true
}

// foldInto folds BatchNormalization bn into conv's constant weights,
// creating new constants (the originals may be shared).
func (m *Model) foldInto(conv, bn *Node) bool {
	w, ok := m.consts[conv.Inputs[1]]
	if !ok || w.DType != Float32 || len(w.Shape) < 3 {
		return false
	}
	M := w.Shape[0]
	scale, bias := m.constF(bn.Inputs[1], M), m.constF(bn.Inputs[2], M)
	mean, variance := m.constF(bn.Inputs[3], M), m.constF(bn.Inputs[4], M)
	if scale == nil || bias == nil || mean == nil || variance == nil {
		return false
	}
	var cb []float32
	if len(conv.Inputs) > 2 && conv.Inputs[2] != "" {
		if cb = m.constF(conv.Inputs[2], M); cb == nil {
			return false
		}
	}
	a, b := bnAffine(scale, bias, mean, variance, bn.attrFloat("epsilon", 1e-5))
	nw := w.Clone()
	per := len(nw.F) / M
	for o := 0; o < M; o++ {
		for i := o * per; i < (o+1)*per; i++ {
			nw.F[i] *= a[o]
		}
	}
	nb := &Tensor{DType: Float32, Shape: []int{M}, F: make([]float32, M)}
	for o := 0; o < M; o++ {
		var c float32
		if cb != nil {
			c = cb[o]
		}
		nb.F[o] = a[o]*c + b[o]
	}
	wName, bName := bn.Name+"/folded_weight", bn.Name+"/folded_bias"
	m.consts[wName], m.consts[bName] = nw, nb
	conv.Inputs = []string{conv.Inputs[0], wName, bName}
	conv.Outputs = []string{bn.Outputs[0]}
	return true
}

func (m *Model) fuseRelu() {
	uses, prod := m.uses(), m.producers()
	var keep []*Node
	for _, n := range m.nodes {
		if n.Op == "Relu" && len(n.Inputs) == 1 {
			p := prod[n.Inputs[0]]
			if p != nil && (p.Op == "Conv" || p.Op == "Gemm" || p.Op == "Add") && !p.fuseRelu &&
				uses[n.Inputs[0]] == 1 && len(p.Outputs) == 1 {
				p.fuseRelu = true
				p.Outputs = []string{n.Outputs[0]}
				continue
			}
		}
		keep = append(keep, n)
	}
	m.nodes = keep
}

// validateProbes are the sizes validate gives symbolic dims: 1 first (a
// batch of one), then larger ones for models that need a minimum size
// along a dynamic axis (a 1-D convolution without padding over a dynamic
// length).
var validateProbes = []int{1, 64, 512}

// validate plans the model for inputs whose symbolic dims are set to
// each of validateProbes in turn, so that shape errors surface at load
// time: the model is refused when no probe plans, with the error at 1.
// Models with integer inputs or float inputs read at plan time (whose
// values may drive shapes) or inputs of unknown rank are checked at run
// time instead.
func (m *Model) validate() error {
	var first error
	for _, probe := range validateProbes {
		in := make([]*Tensor, len(m.Inputs))
		sym := false
		for i, vi := range m.Inputs {
			if vi.DType != Float32 || vi.Shape == nil || m.planIn[vi.Name] {
				return nil
			}
			shape := make([]int, len(vi.Shape))
			for j, d := range vi.Shape {
				shape[j] = d
				if d < 0 {
					shape[j], sym = probe, true
				}
			}
			in[i] = &Tensor{DType: Float32, Shape: shape}
		}
		_, err := m.buildPlan(in, false, defaultEnv)
		if err == nil {
			return nil
		}
		if first == nil {
			first = fmt.Errorf("checking shapes (symbolic dims set to 1): %w", err)
		}
		if !sym {
			break
		}
	}
	return first
}
