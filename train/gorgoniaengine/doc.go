// Package gorgoniaengine trains train's HNet on a gorgonia expression
// graph with gorgonia's symbolic gradients instead of the hand-written
// backward pass:
//
//	gorgoniaengine.Register()
//	cfg := train.DefaultConfig()
//	cfg.Engine = gorgoniaengine.Name
//	res, err := train.Run(ctx, cfg, trainSet, testSet, train.Options{})
//
// It is a package of its own so that programs that do not use it do not
// link gorgonia; the hierlearn command registers it (`--engine gorgonia`).
//
// # Implementation
//
// One graph per stage and batch size (graph.go): the parameter nodes share
// their backing arrays with the training engine's flat parameter vector
// (train.HNetState), so an optimiser step is seen by the next run; the
// inputs, targets and normalisation constants are nodes whose backing
// arrays are refilled before each run. Only the running statistics, which
// are not differentiated, are updated by train's native forward pass. The
// two engines train to the same model (float64: to 1e-16); the native one
// is many times faster (no graph overhead).
package gorgoniaengine
