package importer

// planInputNames returns the values whose contents some node needs when
// it is planned (opDef.planInputs: Resize's scales, Range's bounds, a
// Loop's trip count) and every value they are computed from, so that
// small graph inputs among them are folded into each plan (a trip count
// computed from scalar inputs, as ONNX's expansion of Range writes it).
// Shape and Size end the walk: their outputs depend only on shapes.
func (m *Model) planInputNames() map[string]bool {
	prod := m.producers()
	seen := map[string]bool{}
	var walk func(name string)
	walk = func(name string) {
		if name == "" || seen[name] {
			return
		}
		seen[name] = true
		p := prod[name]
		if p == nil || p.Op == "Shape" || p.Op == "Size" {
			return
		}
		for _, in := range p.Inputs {
			walk(in)
		}
	}
	for _, n := range m.nodes {
		for _, j := range registry[n.Op].planInputs {
			if j < len(n.Inputs) {
				walk(n.Inputs[j])
			}
		}
	}
	return seen
}
