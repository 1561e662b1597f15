package importer

import "sort"

// Initializer returns a copy of a constant of the executed graph (an
// initializer of the file that survived load-time folding), or false.
func (m *Model) Initializer(name string) (*Tensor, bool) {
	t, ok := m.consts[name]
	if !ok {
		return nil, false
	}
	return t.Clone(), true
}

// FloatInitializers lists the float32 initializers of the file that the
// executed graph still reads (not folded away at load time), sorted: the
// candidates for GradSession params.
func (m *Model) FloatInitializers() []string {
	used := map[string]bool{}
	for _, n := range m.nodes {
		for _, in := range n.Inputs {
			used[in] = true
		}
	}
	var out []string
	for name, t := range m.consts {
		if used[name] && t.DType == Float32 && m.inits[name] {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
