package importer

// foldBatchPlumbing folds, at load time, the integer "shape plumbing" that
// depends on a symbolic batch dimension, such as torch's
// x.view(x.size(0), -1) = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])).
//
// Shapes are inferred symbolically by probing: the graph is planned for
// three batch sizes, and every value known at plan time is classified per
// element as a constant (equal in all probes) or as the batch size (equal
// to it in every probe). Then
//   - values that are constant in every probe become model constants;
//   - a Reshape whose target is computed and made of constants and batch
//     entries, each batch entry at an axis where the data's own dim is the
//     batch, gets a constant target with 0 ("copy this dim") there;
//
// and the nodes left without readers are dropped. Models with more than
// one symbolic dim name, or none, are left to per-shape folding.
func (m *Model) foldBatchPlumbing() error {
	sym := ""
	nsym := 0
	for _, vi := range m.Inputs {
		if vi.DType != Float32 || vi.Shape == nil {
			return nil
		}
		for i, d := range vi.Shape {
			if d < 0 {
				if nsym > 0 && vi.DimNames[i] != sym {
					return nil // several symbols: leave it to the planner
				}
				sym = vi.DimNames[i]
				nsym++
			}
		}
	}
	if nsym == 0 {
		return nil
	}
	probes := []int{2, 3, 5}
	var plans []*plan
	for _, b := range probes {
		in := make([]*Tensor, len(m.Inputs))
		for i, vi := range m.Inputs {
			shape := make([]int, len(vi.Shape))
			for j, d := range vi.Shape {
				shape[j] = d
				if d < 0 {
					shape[j] = b
				}
			}
			in[i] = &Tensor{DType: Float32, Shape: shape}
		}
		p, err := m.buildPlan(in, false, defaultEnv)
		if err != nil {
			// Some models only work at batch 1 despite a symbolic dim;
			// validate() judges batch 1, the planner the rest.
			return nil
		}
		plans = append(plans, p)
	}
	// value name -> per-probe info
	infos := func(name string) []*info {
		var out []*info
		for _, p := range plans {
			found := false
			for id, n := range p.names {
				if n == name {
					out = append(out, p.infos[id])
					found = true
					break
				}
			}
			if !found {
				return nil
			}
		}
		return out
	}
	const (
		kConst = iota
		kBatch
		kOther
	)
	// classify returns per-element kinds of an int64 value known in every
	// probe with the same length, or nil.
	classify := func(is []*info) []int {
		if is == nil || is[0].c == nil || is[0].dt != Int64 {
			return nil
		}
		n := len(is[0].c.I)
		for _, x := range is {
			if x.c == nil || len(x.c.I) != n {
				return nil
			}
		}
		kinds := make([]int, n)
		for e := 0; e < n; e++ {
			same, batch := true, true
			for k, x := range is {
				same = same && x.c.I[e] == is[0].c.I[e]
				batch = batch && x.c.I[e] == int64(probes[k])
			}
			switch {
			case same:
				kinds[e] = kConst
			case batch:
				kinds[e] = kBatch
			default:
				kinds[e] = kOther
			}
		}
		return kinds
	}
	constInAll := func(is []*info) bool {
		if is == nil {
			return false
		}
		for _, x := range is {
			if x.c == nil || x.c.DType != is[0].c.DType || !sameShape(x.c.Shape, is[0].c.Shape) {
				return false
			}
			for i := range x.c.F {
				if x.c.F[i] != is[0].c.F[i] {
					return false
				}
			}
			for i := range x.c.I {
				if x.c.I[i] != is[0].c.I[i] {
					return false
				}
			}
		}
		return true
	}
	changed := false
	for _, n := range m.nodes {
		if n.Op == "Reshape" && len(n.Inputs) == 2 && n.attrInt("allowzero", 0) == 0 {
			if _, isConst := m.consts[n.Inputs[1]]; isConst {
				continue
			}
			kinds := classify(infos(n.Inputs[1]))
			data := infos(n.Inputs[0])
			if kinds == nil || data == nil {
				continue
			}
			spec := infos(n.Inputs[1])[0].c
			target := make([]int64, len(kinds))
			ok := true
			for e, k := range kinds {
				switch k {
				case kConst:
					target[e] = spec.I[e]
				case kBatch:
					// the data's dim e must be the batch in every probe
					for p, d := range data {
						if e >= len(d.shape) || d.shape[e] != probes[p] {
							ok = false
						}
					}
					target[e] = 0
				default:
					ok = false
				}
			}
			if !ok {
				continue
			}
			name := n.Name + "/folded_shape"
			m.consts[name] = &Tensor{DType: Int64, Shape: []int{len(target)}, I: target}
			n.Inputs = []string{n.Inputs[0], name}
			changed = true
		}
	}
	var keep []*Node
	for _, n := range m.nodes {
		allConst := len(n.Outputs) > 0
		var vals []*Tensor
		for _, o := range n.Outputs {
			is := infos(o)
			if o == "" || !constInAll(is) {
				allConst = false
				break
			}
			vals = append(vals, is[0].c)
		}
		if !allConst {
			keep = append(keep, n)
			continue
		}
		for i, o := range n.Outputs {
			m.consts[o] = vals[i]
		}
		changed = true
	}
	m.nodes = keep
	if changed {
		m.dropDead()
	}
	return nil
}

// dropDead removes nodes none of whose outputs is read or is a graph
// output.
func (m *Model) dropDead() {
	for {
		uses := m.uses()
		var keep []*Node
		for _, n := range m.nodes {
			live := false
			for _, o := range n.Outputs {
				if o != "" && uses[o] > 0 {
					live = true
				}
			}
			if live {
				keep = append(keep, n)
			}
		}
		if len(keep) == len(m.nodes) {
			return
		}
		m.nodes = keep
	}
}

// pruneConsts drops constants no node reads and no output names (the
// weights and BatchNormalization parameters replaced by folding).
func (m *Model) pruneConsts() {
	used := map[string]bool{}
	for _, n := range m.nodes {
		for _, in := range n.Inputs {
			used[in] = true
		}
	}
	for _, o := range m.Outputs {
		used[o.Name] = true
	}
	for name := range m.consts {
		if !used[name] {
			delete(m.consts, name)
		}
	}
}
