package analysis

import (
	"fmt"

	"github.com/hierlearn/hierlearn/importer"
)

// Grad returns the gradient of a scalar with respect to the input batch
// x (wrt "" or the input's name: one gradient per example, of x's shape)
// or to an initializer (the gradient of the scalar summed over the batch,
// of the initializer's shape). The scalar is the sum of the output's
// elements (target < 0) or of element target of every example's output.
// The Model must have been made with wrt among its params when wrt is an
// initializer.
func (md *Model) Grad(x *importer.Tensor, wrt string, target int) (*importer.Tensor, error) {
	seed := func(_ int, y []float32) []float32 {
		s := make([]float32, len(y))
		if target < 0 {
			for i := range s {
				s[i] = 1
			}
		} else if target < len(s) {
			s[target] = 1
		}
		return s
	}
	if err := md.checkBatch(x, "the input"); err != nil {
		return nil, err
	}
	if cs, err := md.chunks(x); err != nil || len(cs) > 1 {
		if err != nil {
			return nil, err
		}
		var gs []*importer.Tensor
		for _, c := range cs {
			g, err := md.Grad(c, wrt, target)
			if err != nil {
				return nil, err
			}
			gs = append(gs, g)
		}
		if wrt == "" || wrt == "input" || wrt == md.Input {
			return concat(gs), nil
		}
		for _, g := range gs[1:] { // param gradients add up over the batch
			for j, v := range g.F {
				gs[0].F[j] += v
			}
		}
		return gs[0], nil
	}
	tape, y, err := md.Forward(x)
	if err != nil {
		return nil, err
	}
	per := len(y.F) / x.Shape[0]
	if target >= per {
		return nil, fmt.Errorf("analysis: target %d, but output %q has %d elements per example", target, md.Output, per)
	}
	s := &importer.Tensor{DType: importer.Float32, Shape: y.Shape, F: make([]float32, len(y.F))}
	for i := 0; i < x.Shape[0]; i++ {
		copy(s.F[i*per:], seed(i, y.F[i*per:(i+1)*per]))
	}
	g, err := tape.Backward(map[string]*importer.Tensor{md.Output: s})
	tape.Release()
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	if wrt == "" || wrt == "input" || wrt == md.Input {
		return g.Inputs[md.Input], nil
	}
	t, ok := g.Params[wrt]
	if !ok {
		return nil, fmt.Errorf("analysis: %q is neither the input nor a param (have %v)", wrt, md.GS.Params())
	}
	return t, nil
}
