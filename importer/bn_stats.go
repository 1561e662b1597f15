package importer

import "sort"

// RunningStatInitializers lists the initializers that BatchNormalization
// nodes of the executed graph read as their running mean and variance
// (inputs 3 and 4), sorted. They are statistics, not weights: training
// updates them from batch statistics (GradSession.SetTraining), never by
// gradient. Empty for a model loaded without LoadOptions.NoFold, whose
// BatchNormalization nodes were folded away.
func (m *Model) RunningStatInitializers() []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range m.nodes {
		if n.Op != "BatchNormalization" || len(n.Inputs) < 5 {
			continue
		}
		for _, name := range n.Inputs[3:5] {
			if m.inits[name] && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}
