package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hierlearn/hierlearn/importer"
)

// AttrOptions configures Attribute.
type AttrOptions struct {
	Method   string           // saliency, gxi, ig or smoothgrad
	Target   int              // output element explained; -1: each example's argmax
	Steps    int              // integrated gradients: midpoint-rule steps (0: 64)
	Baseline *importer.Tensor // integrated gradients: one example (nil: zeros)
	Samples  int              // SmoothGrad: noisy samples (0: 32)
	Noise    float64          // SmoothGrad: noise std as a fraction of the input's range (0: 0.15)
	Seed     uint64           // SmoothGrad noise
}

// Methods lists the attribution methods.
var Methods = []string{"saliency", "gxi", "ig", "smoothgrad"}

// Attribute explains output element opt.Target for every example of x
// (a batch of the model's input) and returns attributions of x's shape:
//
//	saliency    |df/dx|
//	gxi         x * df/dx
//	ig          integrated gradients (x - b) * mean over the midpoints
//	            b + (k+1/2)/steps (x - b) of df/dx; they sum to
//	            f(x) - f(b) up to the quadrature error (Completeness)
//	smoothgrad  the mean of df/dx over inputs x + N(0, (noise*range)^2)
func (md *Model) Attribute(x *importer.Tensor, opt AttrOptions) (*importer.Tensor, error) {
	if err := md.checkBatch(x, "the input"); err != nil {
		return nil, err
	}
	n, d := x.Shape[0], md.Dim()
	targets, err := md.targets(x, opt.Target)
	if err != nil {
		return nil, err
	}
	seed := func(i int, y []float32) []float32 {
		s := make([]float32, len(y))
		s[targets[i]] = 1
		return s
	}
	switch opt.Method {
	case "saliency", "gxi":
		g, _, err := md.InputGrad(x, seed)
		if err != nil {
			return nil, err
		}
		for i, v := range g.F {
			if opt.Method == "saliency" {
				g.F[i] = float32(math.Abs(float64(v)))
			} else {
				g.F[i] = v * x.F[i]
			}
		}
		return g, nil
	case "ig":
		steps := opt.Steps
		if steps <= 0 {
			steps = 64
		}
		base := make([]float32, d)
		if opt.Baseline != nil {
			if opt.Baseline.Len() != d {
				return nil, fmt.Errorf("analysis: baseline has %d values, an example %d", opt.Baseline.Len(), d)
			}
			copy(base, opt.Baseline.F)
		}
		out := &importer.Tensor{DType: importer.Float32, Shape: append([]int{}, x.Shape...), F: make([]float32, len(x.F))}
		for i := 0; i < n; i++ {
			xi := x.F[i*d : (i+1)*d]
			path := make([]float32, steps*d)
			for k := 0; k < steps; k++ {
				a := (float32(k) + 0.5) / float32(steps)
				for j := range xi {
					path[k*d+j] = base[j] + a*(xi[j]-base[j])
				}
			}
			t := targets[i]
			g, _, err := md.InputGrad(md.batch(path, steps), func(_ int, y []float32) []float32 {
				s := make([]float32, len(y))
				s[t] = 1
				return s
			})
			if err != nil {
				return nil, err
			}
			for j := range xi {
				var s float64
				for k := 0; k < steps; k++ {
					s += float64(g.F[k*d+j])
				}
				out.F[i*d+j] = float32(float64(xi[j]-base[j]) * s / float64(steps))
			}
		}
		return out, nil
	case "smoothgrad":
		samples := opt.Samples
		if samples <= 0 {
			samples = 32
		}
		noise := opt.Noise
		if noise <= 0 {
			noise = 0.15
		}
		r := rand.New(rand.NewPCG(opt.Seed, 0x5eed))
		out := &importer.Tensor{DType: importer.Float32, Shape: append([]int{}, x.Shape...), F: make([]float32, len(x.F))}
		for i := 0; i < n; i++ {
			xi := x.F[i*d : (i+1)*d]
			lo, hi := xi[0], xi[0]
			for _, v := range xi {
				lo, hi = min(lo, v), max(hi, v)
			}
			sigma := noise * float64(hi-lo)
			batch := make([]float32, samples*d)
			for k := 0; k < samples; k++ {
				for j, v := range xi {
					batch[k*d+j] = v + float32(sigma*r.NormFloat64())
				}
			}
			t := targets[i]
			g, _, err := md.InputGrad(md.batch(batch, samples), func(_ int, y []float32) []float32 {
				s := make([]float32, len(y))
				s[t] = 1
				return s
			})
			if err != nil {
				return nil, err
			}
			for k := 0; k < samples; k++ {
				for j := 0; j < d; j++ {
					out.F[i*d+j] += g.F[k*d+j] / float32(samples)
				}
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("analysis: unknown attribution method %q (want one of %v)", opt.Method, Methods)
}

// targets resolves the explained output element per example.
func (md *Model) targets(x *importer.Tensor, target int) ([]int, error) {
	y, err := md.Predict(x)
	if err != nil {
		return nil, err
	}
	n := x.Shape[0]
	per := len(y.F) / n
	out := make([]int, n)
	for i := range out {
		switch {
		case target < 0:
			out[i] = argmax(y.F[i*per : (i+1)*per])
		case target >= per:
			return nil, fmt.Errorf("analysis: target %d, but output %q has %d elements per example", target, md.Output, per)
		default:
			out[i] = target
		}
	}
	return out, nil
}

// Completeness returns, per example, the sum of the attributions and
// f_target(x) - f_target(baseline): integrated gradients make them equal.
func (md *Model) Completeness(x, attr, baseline *importer.Tensor, target int) (sums, diffs []float64, err error) {
	n, d := x.Shape[0], md.Dim()
	targets, err := md.targets(x, target)
	if err != nil {
		return nil, nil, err
	}
	y, err := md.Predict(x)
	if err != nil {
		return nil, nil, err
	}
	b := make([]float32, d)
	if baseline != nil {
		copy(b, baseline.F)
	}
	yb, err := md.Predict(md.batch(b, 1))
	if err != nil {
		return nil, nil, err
	}
	per := len(y.F) / n
	for i := 0; i < n; i++ {
		var s float64
		for _, v := range attr.F[i*d : (i+1)*d] {
			s += float64(v)
		}
		sums = append(sums, s)
		diffs = append(diffs, float64(y.F[i*per+targets[i]])-float64(yb.F[targets[i]]))
	}
	return sums, diffs, nil
}
