package importer

import (
	"math"

	"github.com/hierlearn/hierlearn/internal/numeric/vec"
)

// geluImpl runs the Gelu nodes that fuseGelu makes from the Erf form of
// GELU: in float32, vectorised (vec.GeluErf: erf as erf32 computes it;
// math.Erf in float64 was a sixth of a BERT-base run), split over the
// session's workers.
var geluImpl = &opDef{build: buildFastGelu, back: backFastGelu}

// buildFastGelu is 0.5·x·(1 + erf(x/√2)).
func buildFastGelu(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0); err != nil {
		return nil, nil, err
	}
	workers := env.workers()
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		x, y := in[0].F, o[0].F
		chunks := (len(x) + geluChunk - 1) / geluChunk
		parallel(workers, chunks, chunks > 1, func(_, c0, c1 int) {
			lo, hi := c0*geluChunk, min(c1*geluChunk, len(x))
			vec.GeluErf(y[lo:hi], x[lo:hi])
		})
	}}
	return []*info{{dt: Float32, shape: in[0].shape}}, k, nil
}

// geluChunk is the unit, in elements, that Gelu splits over workers.
const geluChunk = 1 << 14

// backFastGelu: d/dx = 0.5·(1 + erf(x/√2)) + x·exp(-x²/2)/√(2π).
func backFastGelu(c *backCtx) error {
	gx := c.gin[0]
	if gx == nil {
		return nil
	}
	for i, g := range c.gout[0] {
		x := float64(c.in[0].F[i])
		gx[i] += g * float32(0.5*(1+math.Erf(x*invSqrt2))+x*math.Exp(-0.5*x*x)/math.Sqrt(2*math.Pi))
	}
	return nil
}

// geluTanhImpl runs the Gelu nodes that fuseGelu makes from the tanh
// approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), in float32
// with tanh(z) = 1 - 2/(e^{2z} + 1) (exp32).
var geluTanhImpl = &opDef{build: buildFastGeluTanh, back: backFastGeluTanh}

func buildFastGeluTanh(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0); err != nil {
		return nil, nil, err
	}
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		y := o[0].F
		for i, v := range in[0].F {
			z := sqrt2OverPi * (v + geluCubic*v*v*v)
			y[i] = 0.5 * v * (2 - 2/(exp32(2*z)+1))
		}
	}}
	return []*info{{dt: Float32, shape: in[0].shape}}, k, nil
}

// backFastGeluTanh: d/dx = 0.5·(1+t) + 0.5·x·(1-t²)·√(2/π)·(1 + 3·0.044715·x²).
func backFastGeluTanh(c *backCtx) error {
	gx := c.gin[0]
	if gx == nil {
		return nil
	}
	for i, g := range c.gout[0] {
		x := float64(c.in[0].F[i])
		t := math.Tanh(sqrt2OverPi * (x + geluCubic*x*x*x))
		gx[i] += g * float32(0.5*(1+t)+0.5*x*(1-t*t)*sqrt2OverPi*(1+3*geluCubic*x*x))
	}
	return nil
}
