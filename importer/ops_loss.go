package importer

import (
	"fmt"
	"math"
)

// lossSpec is the layout of NegativeLogLikelihoodLoss and
// SoftmaxCrossEntropyLoss: input (N, C, d1..dk), target (N, d1..dk).
type lossSpec struct {
	N, C, D   int // D = d1·…·dk
	reduction string
	ignore    int64
	hasIgnore bool
}

func lossOf(n *Node, in []*info) (*lossSpec, []int, error) {
	x, t := in[0], in[1]
	if len(x.shape) < 2 || t.dt != Int64 || len(t.shape) != len(x.shape)-1 ||
		t.shape[0] != x.shape[0] || !sameShape(t.shape[1:], x.shape[2:]) {
		return nil, nil, fmt.Errorf("%w: input %v and target %v %v", ErrShape, x.shape, t.dt, t.shape)
	}
	s := &lossSpec{N: x.shape[0], C: x.shape[1], D: numel(x.shape[2:]), reduction: n.attrString("reduction", "mean"),
		ignore: n.attrInt("ignore_index", 0), hasIgnore: n.has("ignore_index")}
	if w := input(in, 2); w != nil && (len(w.shape) != 1 || w.shape[0] != s.C) {
		return nil, nil, fmt.Errorf("%w: weight %v for %d classes", ErrShape, w.shape, s.C)
	}
	out := t.shape
	switch s.reduction {
	case "none":
	case "mean", "sum":
		out = []int{}
	default:
		return nil, nil, fmt.Errorf("%w: reduction %q", ErrUnsupported, s.reduction)
	}
	return s, out, nil
}

// weights returns each sample's class and weight (0 where ignored) and
// the denominator of the mean (the weights' sum).
func (s *lossSpec) weights(target []int64, w []float32) (cls []int, wt []float64, den float64) {
	cls, wt = make([]int, len(target)), make([]float64, len(target))
	for i, c := range target {
		if s.hasIgnore && c == s.ignore {
			continue
		}
		cls[i] = index(c, s.C, "target")
		wt[i] = 1
		if w != nil {
			wt[i] = float64(w[cls[i]])
		}
		den += wt[i]
	}
	return cls, wt, den
}

// reduce writes the per-sample losses (in float64) as the output asks.
func (s *lossSpec) reduce(loss []float64, den float64, out []float32) {
	switch s.reduction {
	case "none":
		for i, v := range loss {
			out[i] = float32(v)
		}
	default:
		sum := 0.0
		for _, v := range loss {
			sum += v
		}
		if s.reduction == "mean" {
			sum /= den
		}
		out[0] = float32(sum)
	}
}

// scale is the factor of sample i's loss in the output's gradient g.
func (s *lossSpec) scale(g []float32, i int, den float64) float64 {
	if s.reduction == "none" {
		return float64(g[i])
	}
	if s.reduction == "mean" {
		return float64(g[0]) / den
	}
	return float64(g[0])
}

// logSoftmaxC writes log softmax over the class dim of x into lp.
func (s *lossSpec) logSoftmaxC(x []float32, lp []float64) {
	for n := 0; n < s.N; n++ {
		for d := 0; d < s.D; d++ {
			base := n*s.C*s.D + d
			m := math.Inf(-1)
			for c := 0; c < s.C; c++ {
				m = math.Max(m, float64(x[base+c*s.D]))
			}
			sum := 0.0
			for c := 0; c < s.C; c++ {
				sum += math.Exp(float64(x[base+c*s.D]) - m)
			}
			for c := 0; c < s.C; c++ {
				lp[base+c*s.D] = float64(x[base+c*s.D]) - m - math.Log(sum)
			}
		}
	}
}

// buildLoss handles NegativeLogLikelihoodLoss (input: log-probabilities)
// and SoftmaxCrossEntropyLoss (input: scores; optional second output: the
// log-probabilities).
func buildLoss(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0, 2); err != nil {
		return nil, nil, err
	}
	s, out, err := lossOf(n, in)
	if err != nil {
		return nil, nil, err
	}
	sce := n.Op == "SoftmaxCrossEntropyLoss"
	outs := []*info{{dt: Float32, shape: out}}
	if sce {
		outs = append(outs, &info{dt: Float32, shape: in[0].shape})
	}
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		var w []float32
		if len(in) > 2 && in[2] != nil {
			w = in[2].F
		}
		cls, wt, den := s.weights(in[1].I, w)
		lp := make([]float64, len(in[0].F))
		if sce {
			s.logSoftmaxC(in[0].F, lp)
			if len(o) > 1 && o[1].F != nil {
				for i, v := range lp {
					o[1].F[i] = float32(v)
				}
			}
		} else {
			for i, v := range in[0].F {
				lp[i] = float64(v)
			}
		}
		loss := make([]float64, len(cls))
		for i, c := range cls {
			if wt[i] != 0 {
				n, d := i/s.D, i%s.D
				loss[i] = -lp[(n*s.C+c)*s.D+d] * wt[i]
			}
		}
		s.reduce(loss, den, o[0].F)
	}}
	return outs, k, nil
}

// backLoss: NLL sends -w·g to the target class's log-probability; SCE
// sends w·g·(softmax - onehot) to the scores, plus the log-probability
// output's gradient through log softmax.
func backLoss(c *backCtx) error {
	in := []*info{{dt: Float32, shape: c.in[0].Shape}, {dt: Int64, shape: c.in[1].Shape}}
	if len(c.in) > 2 && c.in[2] != nil {
		in = append(in, &info{dt: Float32, shape: c.in[2].Shape})
	}
	s, _, err := lossOf(c.n, in)
	if err != nil {
		return err
	}
	if len(c.gin) > 2 && c.gin[2] != nil {
		return fmt.Errorf("%w: %s with respect to its weights", ErrNoGradient, c.n.Op)
	}
	gx := c.gin[0]
	if gx == nil {
		return nil
	}
	var w []float32
	if len(c.in) > 2 && c.in[2] != nil {
		w = c.in[2].F
	}
	cls, wt, den := s.weights(c.in[1].I, w)
	sce := c.n.Op == "SoftmaxCrossEntropyLoss"
	var p []float64 // softmax, SCE only
	if sce {
		p = make([]float64, len(gx))
		s.logSoftmaxC(c.in[0].F, p)
		for i, v := range p {
			p[i] = math.Exp(v)
		}
	}
	for i, cl := range cls {
		nn, d := i/s.D, i%s.D
		g := s.scale(c.gout[0], i, den) * wt[i]
		if g == 0 {
			continue
		}
		if !sce {
			gx[(nn*s.C+cl)*s.D+d] -= float32(g)
			continue
		}
		for k := 0; k < s.C; k++ {
			e := (nn*s.C+k)*s.D + d
			v := p[e]
			if k == cl {
				v--
			}
			gx[e] += float32(g * v)
		}
	}
	if sce && len(c.gout) > 1 && c.gout[1] != nil {
		gl := c.gout[1]
		for nn := 0; nn < s.N; nn++ {
			for d := 0; d < s.D; d++ {
				base := nn*s.C*s.D + d
				sum := 0.0
				for k := 0; k < s.C; k++ {
					sum += float64(gl[base+k*s.D])
				}
				for k := 0; k < s.C; k++ {
					e := base + k*s.D
					gx[e] += float32(float64(gl[e]) - p[e]*sum)
				}
			}
		}
	}
	return nil
}
