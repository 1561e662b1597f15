package robust

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hierlearn/hierlearn/concept"
)

// Model kinds of Config.
const (
	KindNet    = "net"    // the two-layer network, feature-learning regime
	KindNTK    = "ntk"    // the same network kept near initialisation
	KindLinear = "linear" // logistic regression
)

// Config is one training run of a Net or a Linear model.
type Config struct {
	Kind string `json:"kind"`
	// Width m of the network (net and ntk).
	Width int `json:"width,omitempty"`
	// Init is the norm of each initial w_r (net and ntk).
	Init float64 `json:"init,omitempty"`
	// Bias is the initial bias of every neuron.
	Bias float64 `json:"bias"`
	// Alpha is the output scale (ntk; 1 for net); the ntk network is
	// centred, f = Alpha (g - g_0).
	Alpha float64 `json:"alpha,omitempty"`
	// LR, Momentum, Batch and Steps: SGD with heavy-ball momentum on
	// batches of Batch rows drawn without replacement (reshuffled every
	// epoch), for Steps steps. The loss is the mean logistic loss divided
	// by Alpha^2, so that the function moves at a speed independent of
	// Alpha while the weights move by O(1/Alpha).
	LR       float64 `json:"lr"`
	Momentum float64 `json:"momentum"`
	// Adam replaces SGD by Adam (beta1 0.9, beta2 0.999, epsilon 1e-8,
	// with bias correction) at step size LR;
	// Momentum is then unused.
	Adam bool `json:"adam,omitempty"`
	// Cosine decays the step size of step s (from 0) to
	// LR (1 + cos(pi s / Steps)) / 2, to 0 at the end: for the convex
	// linear model, so that it ends at the optimum of its (robust)
	// logistic loss rather than at the noise floor of a fixed step size.
	Cosine bool `json:"cosine,omitempty"`
	Batch  int  `json:"batch"`
	Steps  int  `json:"steps"`
	// Adv is the attack of adversarial training (Method "" for clean
	// training): every batch is replaced by its attacked copy under the
	// current weights before the gradient step.
	Adv Attack `json:"adv"`
	// Warmup is the number of clean steps before adversarial training
	// starts (the paper's clean phase; 0 for none).
	Warmup int    `json:"warmup,omitempty"`
	Seed   uint64 `json:"seed"`
}

// Validate checks the configuration.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
	}
	switch c.Kind {
	case KindNet, KindNTK:
		if c.Width < 1 || c.Width > 1<<16 {
			return bad("width %d, want 1..65536", c.Width)
		}
		if !(c.Init > 0) || math.IsInf(c.Init, 0) {
			return bad("init %v, want > 0", c.Init)
		}
	case KindLinear:
	default:
		return bad("kind %q, want %q, %q or %q", c.Kind, KindNet, KindNTK, KindLinear)
	}
	if c.Kind == KindNTK && !(c.Alpha >= 1) {
		return bad("ntk alpha %v, want >= 1", c.Alpha)
	}
	if !(c.LR > 0) || math.IsInf(c.LR, 0) || !(c.Momentum >= 0 && c.Momentum < 1) {
		return bad("lr %v and momentum %v: want lr > 0 and 0 <= momentum < 1", c.LR, c.Momentum)
	}
	if c.Batch < 1 || c.Steps < 0 || c.Warmup < 0 || math.IsNaN(c.Bias) || math.IsInf(c.Bias, 0) {
		return bad("batch %d, steps %d, warmup %d, bias %v", c.Batch, c.Steps, c.Warmup, c.Bias)
	}
	if c.Adv.Method != "" {
		if err := c.Adv.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func (c Config) alpha() float64 {
	if c.Kind == KindNTK {
		return c.Alpha
	}
	return 1
}

// params is what the optimiser updates: views of a model's weights and
// the function that attacks a batch (adv.Method "" for none) and returns
// the attacked batch's mean logistic loss and the gradient of that mean
// divided by alpha^2. load, when set, runs after every update.
type params struct {
	w        [][]float64
	lossGrad func(x, y []float64, rows int, adv Attack) (loss float64, g [][]float64)
	load     func()
}

// netParams trains a Net through its float32 copy (net32).
func netParams(n *Net) params {
	e := newNet32(n)
	return params{w: [][]float64{n.W, n.B}, load: e.load,
		lossGrad: func(x, y []float64, rows int, adv Attack) (float64, [][]float64) {
			loss := e.batchLossGrad(x, y, rows, adv)
			return loss, [][]float64{e.gw64, e.gb}
		}}
}

func linearParams(l *Linear) params {
	b := []float64{l.B}
	d := len(l.W)
	p := params{w: [][]float64{l.W, b}, load: func() { l.B = b[0] }}
	p.lossGrad = func(x, y []float64, rows int, adv Attack) (float64, [][]float64) {
		if adv.Method != "" {
			x = adv.Perturb(l, x, y, rows)
		}
		// The gradient of the mean logistic loss with respect to f is
		// -y sigma(-y f)/rows.
		gw := make([]float64, d)
		gb, loss := 0.0, 0.0
		for t, v := range l.Scores(x, rows) {
			m := y[t] * v
			loss += softplus(-m)
			r := -y[t] * sigmoid(-m) / float64(rows)
			for i, xi := range x[t*d : (t+1)*d] {
				gw[i] += r * xi
			}
			gb += r
		}
		return loss / float64(rows), [][]float64{gw, {gb}}
	}
	return p
}

// Trained is the result of Train: the model and its training log.
type Trained struct {
	Net    *Net    // kinds net and ntk
	Linear *Linear // kind linear
	// Loss is the mean training-batch loss (on the attacked batch under
	// adversarial training) averaged over each tenth of the run.
	Loss []float64
}

// Model is the trained model.
func (t *Trained) Model() Model {
	if t.Net != nil {
		return t.Net
	}
	return t.Linear
}

// Train trains the configured model on a classification dataset (±1
// labels).
func Train(ctx context.Context, c Config, tr *concept.Dataset) (*Trained, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if tr.Task != concept.TaskClassification || tr.N < 1 {
		return nil, fmt.Errorf("%w: want a binary classification dataset, have task %q with %d rows", ErrConfig, tr.Task, tr.N)
	}
	d := tr.D
	out := &Trained{}
	var p params
	switch c.Kind {
	case KindLinear:
		out.Linear = &Linear{W: make([]float64, d)}
		p = linearParams(out.Linear)
	default:
		out.Net = NewNet(d, c.Width, c.Init, c.Bias, c.alpha(), c.Kind == KindNTK, c.Seed)
		p = netParams(out.Net)
	}
	vel := make([][]float64, len(p.w))
	sq := make([][]float64, len(p.w))
	for i, w := range p.w {
		vel[i] = make([]float64, len(w))
		sq[i] = make([]float64, len(w))
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0xba7c))
	batch := min(c.Batch, tr.N)
	perm, pos := rng.Perm(tr.N), 0
	x := make([]float64, batch*d)
	y := make([]float64, batch)
	logEvery := max(1, c.Steps/10)
	lossSum, lossN := 0.0, 0
	for s := range c.Steps {
		if s%100 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for t := range batch {
			if pos == tr.N {
				perm, pos = rng.Perm(tr.N), 0
			}
			i := perm[pos]
			pos++
			copy(x[t*d:(t+1)*d], tr.X[i*d:(i+1)*d])
			y[t] = tr.Y[i]
		}
		adv := Attack{}
		if c.Adv.Method != "" && s >= c.Warmup {
			adv = c.Adv
		}
		loss, g := p.lossGrad(x, y, batch, adv)
		lossSum += loss
		lossN++
		if (s+1)%logEvery == 0 {
			out.Loss = append(out.Loss, lossSum/float64(lossN))
			lossSum, lossN = 0, 0
		}
		lr := c.LR
		if c.Cosine {
			lr *= (1 + math.Cos(math.Pi*float64(s)/float64(c.Steps))) / 2
		}
		if c.Adam {
			adamStep(p.w, g, vel, sq, lr, s+1)
		} else {
			for i, w := range p.w {
				v := vel[i]
				for j := range w {
					v[j] = c.Momentum*v[j] + g[i][j]
					w[j] -= lr * v[j]
				}
			}
		}
		p.load()
	}
	for _, v := range out.Loss {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("robust: training diverged (loss %v): lower the learning rate", v)
		}
	}
	return out, nil
}

func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

// softplus is log(1 + e^v) without overflow.
func softplus(v float64) float64 {
	if v > 30 {
		return v
	}
	return math.Log1p(math.Exp(v))
}

// adamStep is one Adam update (t counts from 1) with bias correction.
func adamStep(w, g, m, v [][]float64, lr float64, t int) {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	c1, c2 := 1-math.Pow(b1, float64(t)), 1-math.Pow(b2, float64(t))
	for i, wi := range w {
		for j := range wi {
			m[i][j] = b1*m[i][j] + (1-b1)*g[i][j]
			v[i][j] = b2*v[i][j] + (1-b2)*g[i][j]*g[i][j]
			wi[j] -= lr * (m[i][j] / c1) / (math.Sqrt(v[i][j]/c2) + eps)
		}
	}
}
