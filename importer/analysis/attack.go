package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hierlearn/hierlearn/importer"
)

// AttackOptions configures Attack.
type AttackOptions struct {
	Method string  // fgsm or pgd
	Norm   string  // linf (default) or l2
	Eps    float64 // radius of the ball around each example
	Steps  int     // PGD steps (0: 10)
	Alpha  float64 // PGD step size (0: 2.5 eps / steps)
	Random bool    // PGD: start at a random point of the ball
	Min    float64 // clip the perturbed input to [Min, Max] when Min < Max
	Max    float64
	Batch  int    // examples per pass (0: 64)
	Seed   uint64 // random start
}

// AttackResult reports accuracy on clean and on attacked inputs.
type AttackResult struct {
	Method, Norm        string
	Eps                 float64
	Steps               int
	N                   int
	CleanAcc, AttackAcc float64
	Adversarial         *importer.Tensor // the perturbed inputs
}

// Attack perturbs every example of x within the eps-ball (L-inf or L2)
// to raise the cross-entropy of the model's output (logits) against the
// integer labels, by FGSM (one signed/normalised gradient step of size
// eps) or PGD (projected steps), and reports accuracy before and after.
func (md *Model) Attack(x *importer.Tensor, labels []int64, opt AttackOptions) (*AttackResult, error) {
	if err := md.checkBatch(x, "x"); err != nil {
		return nil, err
	}
	n, d := x.Shape[0], md.Dim()
	if len(labels) != n {
		return nil, fmt.Errorf("analysis: %d labels for %d examples", len(labels), n)
	}
	if opt.Norm == "" {
		opt.Norm = "linf"
	}
	if opt.Norm != "linf" && opt.Norm != "l2" {
		return nil, fmt.Errorf("analysis: attack norm %q (want linf or l2)", opt.Norm)
	}
	if !(opt.Eps >= 0) || math.IsInf(opt.Eps, 0) {
		return nil, fmt.Errorf("analysis: attack eps %v", opt.Eps)
	}
	steps, alpha := 1, opt.Eps
	switch opt.Method {
	case "fgsm":
	case "pgd":
		steps = opt.Steps
		if steps <= 0 {
			steps = 10
		}
		alpha = opt.Alpha
		if alpha <= 0 {
			alpha = 2.5 * opt.Eps / float64(steps)
		}
	default:
		return nil, fmt.Errorf("analysis: attack method %q (want fgsm or pgd)", opt.Method)
	}
	bs := opt.Batch
	if bs <= 0 {
		bs = 64
	}
	r := rand.New(rand.NewPCG(opt.Seed, 0xa77ac))
	adv := &importer.Tensor{DType: importer.Float32, Shape: append([]int{}, x.Shape...), F: append([]float32{}, x.F...)}
	res := &AttackResult{Method: opt.Method, Norm: opt.Norm, Eps: opt.Eps, Steps: steps, N: n, Adversarial: adv}
	var clean, robust int
	for i0 := 0; i0 < n; i0 += bs {
		i1 := min(i0+bs, n)
		x0 := x.F[i0*d : i1*d]
		xa := adv.F[i0*d : i1*d]
		lab := labels[i0:i1]
		y, err := md.Predict(md.batch(x0, i1-i0))
		if err != nil {
			return nil, err
		}
		classes := len(y.F) / (i1 - i0)
		for i, l := range lab {
			if l < 0 || int(l) >= classes {
				return nil, fmt.Errorf("analysis: label %d of example %d outside [0, %d)", l, i0+i, classes)
			}
			if argmax(y.F[i*classes:(i+1)*classes]) == int(l) {
				clean++
			}
		}
		if opt.Method == "pgd" && opt.Random {
			for i := range xa {
				xa[i] += float32(opt.Eps * (2*r.Float64() - 1))
			}
			project(xa, x0, d, opt)
		}
		for s := 0; s < steps; s++ {
			g, _, err := md.InputGrad(md.batch(xa, i1-i0), func(i int, y []float32) []float32 {
				return ceGrad(y, int(lab[i]))
			})
			if err != nil {
				return nil, err
			}
			for i := 0; i < i1-i0; i++ {
				gi, ai := g.F[i*d:(i+1)*d], xa[i*d:(i+1)*d]
				if opt.Norm == "linf" {
					for j, v := range gi {
						ai[j] += float32(alpha) * sign(v)
					}
					continue
				}
				var nrm float64
				for _, v := range gi {
					nrm += float64(v) * float64(v)
				}
				if nrm = math.Sqrt(nrm); nrm > 0 {
					for j, v := range gi {
						ai[j] += float32(alpha * float64(v) / nrm)
					}
				}
			}
			project(xa, x0, d, opt)
		}
		ya, err := md.Predict(md.batch(xa, i1-i0))
		if err != nil {
			return nil, err
		}
		for i, l := range lab {
			if argmax(ya.F[i*classes:(i+1)*classes]) == int(l) {
				robust++
			}
		}
	}
	res.CleanAcc = float64(clean) / float64(n)
	res.AttackAcc = float64(robust) / float64(n)
	return res, nil
}

func sign(v float32) float32 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// project moves every example of xa back into the ball around x0 and into
// [Min, Max].
func project(xa, x0 []float32, d int, opt AttackOptions) {
	for i := 0; i < len(xa)/d; i++ {
		a, o := xa[i*d:(i+1)*d], x0[i*d:(i+1)*d]
		if opt.Norm == "linf" {
			e := float32(opt.Eps)
			for j := range a {
				a[j] = min(max(a[j], o[j]-e), o[j]+e)
			}
		} else {
			var nrm float64
			for j := range a {
				dv := float64(a[j] - o[j])
				nrm += dv * dv
			}
			if nrm = math.Sqrt(nrm); nrm > opt.Eps {
				s := float32(opt.Eps / nrm)
				for j := range a {
					a[j] = o[j] + s*(a[j]-o[j])
				}
			}
		}
		if opt.Min < opt.Max {
			for j := range a {
				a[j] = min(max(a[j], float32(opt.Min)), float32(opt.Max))
			}
		}
	}
}

// ceGrad is the gradient of the cross-entropy -log softmax(y)[label] with
// respect to the logits y: softmax(y) - onehot(label).
func ceGrad(y []float32, label int) []float32 {
	m := y[argmax(y)]
	var s float64
	p := make([]float32, len(y))
	for i, v := range y {
		e := math.Exp(float64(v - m))
		p[i] = float32(e)
		s += e
	}
	for i := range p {
		p[i] = float32(float64(p[i]) / s)
	}
	p[label]--
	return p
}

// crossEntropy is -log softmax(y)[label].
func crossEntropy(y []float32, label int) float64 {
	m := float64(y[argmax(y)])
	var s float64
	for _, v := range y {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s) - float64(y[label])
}
