package deepnet

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/numeric"
)

// Result holds a run's measurements (see the package doc).
type Result struct {
	Config        Config    `json:"config"`
	LossSteps     []int     `json:"loss_steps"`
	Loss          []float64 `json:"loss"`
	FinalLoss     float64   `json:"final_train_loss"`
	ConvRate      *float64  `json:"conv_rate,omitempty"` // nil when fewer than two points qualify
	ConvR2        *float64  `json:"conv_r2,omitempty"`
	LinConvRate   *float64  `json:"lin_conv_rate,omitempty"` // full-batch GD: the linearised network's rate
	FinConvRate   *float64  `json:"fin_conv_rate,omitempty"` // full-batch GD: the rate with the final NTK
	InfConvRate   *float64  `json:"inf_conv_rate,omitempty"` // full-batch GD, NTK parameterisation: the infinite-width rate
	RelChange     []float64 `json:"rel_change"`              // per layer, input layer first
	RelChangeAll  float64   `json:"rel_change_all"`          // the whole parameter vector
	PatternChange float64   `json:"pattern_change"`
	NTKMove       float64   `json:"ntk_move"`
	TestRelMSE    float64   `json:"test_rel_mse"`
	LinTestRelMSE *float64  `json:"lin_test_rel_mse,omitempty"`
	LinGap        *float64  `json:"lin_gap,omitempty"`
	KRRTestRelMSE *float64  `json:"krr_test_rel_mse,omitempty"`
	NParams       int       `json:"n_params"`
	TrainSeconds  float64   `json:"train_seconds"`
}

// maxLogPoints bounds the recorded loss curve of full-batch GD (the fit
// uses every step; the curve kept in the result is thinned to this).
const maxLogPoints = 400

// pinvCut is the relative eigenvalue below which ridgeless kernel
// regression drops a direction of the initial NTK (round-off level).
const pinvCut = 1e-12

// Train trains a network on the regression dataset tr and measures it on te.
func Train(ctx context.Context, cfg Config, tr, te *concept.Dataset) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	for _, ds := range []*concept.Dataset{tr, te} {
		if ds == nil || ds.N < 1 || ds.Task != concept.TaskRegression || len(ds.X) != ds.N*ds.D || len(ds.Y) != ds.N {
			return nil, fmt.Errorf("%w: want non-empty regression datasets with matching X and Y", ErrConfig)
		}
	}
	if te.D != tr.D {
		return nil, fmt.Errorf("%w: train has d=%d, test d=%d", ErrConfig, tr.D, te.D)
	}
	t0 := time.Now()
	d, n := tr.D, tr.N
	net := NewNet(cfg, d)
	net0 := net.Clone()
	alpha := cfg.alpha()
	var f0 []float64 // initial outputs on the training set, for Center
	if cfg.Center {
		f0 = net0.Predict(tr.X, n)
	}
	res := &Result{Config: cfg}
	for _, l := range net.Layers {
		res.NParams += len(l.W)
	}
	grads := make([][]float64, len(net.Layers))
	for l, ly := range net.Layers {
		grads[l] = make([]float64, len(ly.W))
	}
	// loss of predictions f on rows idx (nil: all), and dLoss/df into g.
	lossGrad := func(f []float64, idx []int, g []float64) float64 {
		var sum float64
		for i, v := range f {
			r := i
			if idx != nil {
				r = idx[i]
			}
			p := v
			if f0 != nil {
				p -= f0[r]
			}
			e := alpha*p - tr.Y[r]
			sum += e * e
			if g != nil {
				g[i] = e / (alpha * float64(len(f)))
			}
		}
		return sum / (2 * float64(len(f))) // the loss of p, alpha^2 times the objective
	}
	full := cfg.Batch == 0 || cfg.Batch >= n
	logEvery := cfg.LogEvery
	if logEvery == 0 {
		logEvery = max(1, cfg.Steps/100)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xba7c))
	var steps []int
	var losses []float64
	record := func(t int, v float64) { steps, losses = append(steps, t), append(losses, v) }
	lr := cfg.stepSize()
	var work *state // full-batch GD reuses one forward/backward workspace
	var g []float64
	for t := 0; t <= cfg.Steps; t++ {
		if t%100 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var s *state
		var idx []int
		if full {
			s = net.forwardInto(tr.X, n, work)
			work = s
			if s.back == nil {
				s.back = make([][]float64, len(net.Layers))
			}
			g = resize(g, n)
			v := lossGrad(s.output(), nil, g)
			record(t, v)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("deepnet: training diverged at step %d (loss %v): lower the lr", t, v)
			}
		} else {
			if t%logEvery == 0 || t == cfg.Steps {
				v := lossGrad(net.Predict(tr.X, n), nil, nil)
				record(t, v)
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("deepnet: training diverged at step %d (loss %v): lower the lr", t, v)
				}
			}
			idx = make([]int, cfg.Batch)
			x := make([]float64, cfg.Batch*d)
			for i := range idx {
				idx[i] = rng.IntN(n)
				copy(x[i*d:(i+1)*d], tr.X[idx[i]*d:(idx[i]+1)*d])
			}
			s = net.forward(x, cfg.Batch)
			g = make([]float64, cfg.Batch)
			lossGrad(s.output(), idx, g)
		}
		if t == cfg.Steps {
			break
		}
		for l := range grads {
			clear(grads[l])
		}
		net.backward(s, g, grads, false)
		for l := range grads {
			w := net.Layers[l].W
			for i, v := range grads[l] {
				w[i] -= lr * v
			}
		}
	}
	res.TrainSeconds = time.Since(t0).Seconds()
	if rate, r2 := ConvRate(steps, losses, cfg.Steps/2); !math.IsNaN(rate) {
		res.ConvRate, res.ConvR2 = &rate, &r2
	}
	res.FinalLoss = losses[len(losses)-1]
	if full {
		if err := referenceRates(net0, net, cfg, tr, f0, res); err != nil {
			return nil, err
		}
	}
	res.LossSteps, res.Loss = thin(steps, losses, maxLogPoints)

	ws, w0s := make([][]float64, len(net.Layers)), make([][]float64, len(net.Layers))
	for l := range net.Layers {
		ws[l], w0s[l] = net.Layers[l].W, net0.Layers[l].W
		res.RelChange = append(res.RelChange, relChange(ws[l:l+1], w0s[l:l+1]))
	}
	res.RelChangeAll = relChange(ws, w0s)

	probe := cfg.Probe
	if probe == 0 {
		probe = 128
	}
	probe = min(probe, te.N)
	tg, s := net.tangents(te.X[:probe*d], probe)
	tg0, s0 := net0.tangents(te.X[:probe*d], probe)
	res.PatternChange = patternChange(s, s0)
	k, k0 := net.kernel(tg, tg), net0.kernel(tg0, tg0)
	res.NTKMove = relChange([][]float64{k}, [][]float64{k0})

	pred := predictions(net, net0, cfg, te)
	res.TestRelMSE = relMSE(pred, te.Y)
	if cfg.KRR {
		if err := krr(net0, cfg, tr, te, pred, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// predictions returns p = alpha f (minus alpha f_0 with Center) on ds.
func predictions(net, net0 *Net, cfg Config, ds *concept.Dataset) []float64 {
	f := net.Predict(ds.X, ds.N)
	if cfg.Center {
		for i, v := range net0.Predict(ds.X, ds.N) {
			f[i] -= v
		}
	}
	for i := range f {
		f[i] *= cfg.alpha()
	}
	return f
}

// relMSE is mean (p - y)^2 / Var(y), the population variance.
func relMSE(p, y []float64) float64 {
	var my float64
	for _, v := range y {
		my += v
	}
	my /= float64(len(y))
	var se, v float64
	for i := range y {
		se += (p[i] - y[i]) * (p[i] - y[i])
		v += (y[i] - my) * (y[i] - my)
	}
	return se / v
}

// krr compares the network with two kernel predictors built on its
// initial NTK K_0 (the NTK of p is alpha^2 K_0): gradient descent on the
// linearised network, r_{t+1} = (I - eta K_0 / n) r_t for the residual r
// of the training predictions, for the same steps and step size (Steps *
// Batch / n full-batch steps for SGD), and ridgeless kernel regression
// (the pseudo-inverse of K_0, eigenvalues below pinvCut of the largest
// dropped). It records their test errors and LinGap, the relative distance
// between the network's test predictions pred and the linearised model's.
func krr(net0 *Net, cfg Config, tr, te *concept.Dataset, pred []float64, res *Result) error {
	n := tr.N
	tgTr, _ := net0.tangents(tr.X, n)
	tgTe, _ := net0.tangents(te.X, te.N)
	k := net0.kernel(tgTr, tgTr)
	lam := make([]float64, n)
	if err := numeric.SymEig(n, k, lam); err != nil {
		return fmt.Errorf("deepnet: eigendecomposition of the initial NTK: %w", err)
	}
	alpha := cfg.alpha()
	r0 := append([]float64(nil), tr.Y...) // y - p_0 on the training set
	var p0te []float64
	if !cfg.Center {
		for i, v := range net0.Predict(tr.X, n) {
			r0[i] -= alpha * v
		}
		p0te = net0.Predict(te.X, te.N)
	}
	// proj = V^T r0.
	proj := make([]float64, n)
	for j := range n {
		for i := range n {
			proj[j] += k[i*n+j] * r0[i]
		}
	}
	steps := float64(cfg.Steps)
	if cfg.Batch > 0 && cfg.Batch < n {
		steps = float64(cfg.Steps) * float64(cfg.Batch) / float64(n)
	}
	eta := cfg.stepSize() / float64(n)
	lin := func(l float64) float64 {
		if l*eta < 1e-12 {
			return steps * eta
		}
		return (1 - math.Pow(1-eta*l, steps)) / l
	}
	cut := pinvCut * lam[n-1]
	pinv := func(l float64) float64 {
		if l <= cut {
			return 0
		}
		return 1 / l
	}
	kte := net0.kernel(tgTe, tgTr)
	predict := func(phi func(float64) float64) []float64 {
		c := make([]float64, n) // V diag(phi) V^T r0
		for j := range n {
			w := phi(lam[j]) * proj[j]
			for i := range n {
				c[i] += k[i*n+j] * w
			}
		}
		out := make([]float64, te.N)
		for i := range out {
			var v float64
			for j := range n {
				v += kte[i*n+j] * c[j]
			}
			if p0te != nil {
				v += alpha * p0te[i]
			}
			out[i] = v
		}
		return out
	}
	pl, pk := predict(lin), predict(pinv)
	el, ek := relMSE(pl, te.Y), relMSE(pk, te.Y)
	var num, den float64
	for i := range pl {
		num += (pred[i] - pl[i]) * (pred[i] - pl[i])
		den += pl[i] * pl[i]
	}
	gap := math.Sqrt(num / den)
	res.LinTestRelMSE, res.LinGap, res.KRRTestRelMSE = &el, &gap, &ek
	return nil
}

// thin keeps at most m evenly spaced points of a curve, the last included.
func thin(steps []int, v []float64, m int) ([]int, []float64) {
	if len(v) <= m {
		return steps, v
	}
	var s2 []int
	var v2 []float64
	stride := (len(v) + m - 1) / m
	for i := 0; i < len(v); i += stride {
		s2, v2 = append(s2, steps[i]), append(v2, v[i])
	}
	if s2[len(s2)-1] != steps[len(steps)-1] {
		s2, v2 = append(s2, steps[len(steps)-1]), append(v2, v[len(v)-1])
	}
	return s2, v2
}
