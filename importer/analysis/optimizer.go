package analysis

import "math"

// optimizer holds the per-param state of Fit's update rules, in float32
// as PyTorch keeps it.
type optimizer struct {
	opt  FitOptions
	t    int                  // steps begun (adam's bias correction)
	m, v map[string][]float32 // sgd: momentum buffer in m; adam: first and second moments
}

func newOptimizer(opt FitOptions) *optimizer {
	return &optimizer{opt: opt, m: map[string][]float32{}, v: map[string][]float32{}}
}

// begin starts a step: update then applies it to each param.
func (o *optimizer) begin() { o.t++ }

// update applies the step with learning rate lr to the param p of values
// w and gradient g.
func (o *optimizer) update(p string, w, g []float32, lr float64) {
	wd := float32(o.opt.WeightDecay)
	switch o.opt.Optimizer {
	case "sgd", "nesterov":
		mu, eta := float32(o.opt.Momentum), float32(lr)
		buf := o.m[p]
		first := buf == nil
		if first {
			buf = make([]float32, len(w))
			o.m[p] = buf
		}
		for i := range w {
			d := g[i] + wd*w[i]
			if mu != 0 {
				if first {
					buf[i] = d
				} else {
					buf[i] = mu*buf[i] + d
				}
				if o.opt.Optimizer == "nesterov" {
					d += mu * buf[i]
				} else {
					d = buf[i]
				}
			}
			w[i] -= eta * d
		}
	case "adam", "adamw":
		const b1, b2, eps = 0.9, 0.999, 1e-8
		m, v := o.m[p], o.v[p]
		if m == nil {
			m, v = make([]float32, len(w)), make([]float32, len(w))
			o.m[p], o.v[p] = m, v
		}
		c1 := 1 - math.Pow(b1, float64(o.t))
		c2 := math.Sqrt(1 - math.Pow(b2, float64(o.t)))
		step := float32(lr / c1)
		for i := range w {
			d := g[i]
			if o.opt.Optimizer == "adamw" {
				w[i] *= 1 - float32(lr)*wd
			} else {
				d += wd * w[i]
			}
			m[i] = b1*m[i] + (1-b1)*d
			v[i] = b2*v[i] + (1-b2)*d*d
			w[i] -= step * m[i] / (float32(math.Sqrt(float64(v[i])))/float32(c2) + eps)
		}
	}
}
