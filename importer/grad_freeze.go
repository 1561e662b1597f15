package importer

import "fmt"

// FreezeBatchNorm keeps the named BatchNormalization nodes in inference
// form while the session is in training mode (SetTraining(true)): they
// normalise with their running statistics, which no Forward updates, and
// their backward is the inference form's (a per-channel affine map), as
// PyTorch's module.eval() on a frozen sub-network does. Staged training
// freezes the blocks it does not train this way. Each call replaces the
// set (none: every node trains); a name that is not a
// BatchNormalization node of the graph is an error.
func (g *GradSession) FreezeBatchNorm(nodes ...string) error {
	bn := map[string]bool{}
	for _, name := range g.m.NodeNames("BatchNormalization") {
		bn[name] = true
	}
	set := map[string]bool{}
	for _, name := range nodes {
		if !bn[name] {
			return fmt.Errorf("importer: %q is not a BatchNormalization node of the executed graph", name)
		}
		set[name] = true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.frozenBN = set
	g.plans = newPlanCache[*gradPlan]()
	return nil
}
