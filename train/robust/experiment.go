package robust

import (
	"context"
	"fmt"
	"time"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/version"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// KindPoly is the polynomial kernel predictor of an Experiment.
const KindPoly = "poly"

// Experiment is one fit and its evaluation: a model trained on a
// sparse-coding training set, its clean accuracy and its accuracy under
// PGD and FGM at every radius of the grids, and, for the networks, the
// decomposition of their neurons in the dictionary's basis before and
// after training.
type Experiment struct {
	// Kind is net, ntk, linear or poly.
	Kind string `json:"kind"`
	// Train configures net, ntk and linear (its Kind is set from Kind).
	Train Config `json:"train"`
	// PolyDegree and PolyN: the kernel (<x, x'>/d + 1)^PolyDegree, fitted
	// by kernel ridge regression on the ±1 labels of the first PolyN
	// training points (exact kernel ridge needs n^2 memory), the ridge
	// chosen on a validation split.
	PolyDegree int `json:"poly_degree,omitempty"`
	PolyN      int `json:"poly_n,omitempty"`
	// L2Radii and LInfRadii are the radii of the robust-accuracy curves.
	L2Radii   []float64 `json:"l2_radii"`
	LInfRadii []float64 `json:"linf_radii"`
	// EvalSteps is the number of PGD steps of the evaluation (0: 10).
	EvalSteps int `json:"eval_steps,omitempty"`
	// TopK is the size of the pure part in the decomposition (0: 3).
	TopK int `json:"top_k,omitempty"`
}

// Point is the accuracy under attack at one radius.
type Point struct {
	Eps float64 `json:"eps"`
	PGD float64 `json:"pgd"`
	FGM float64 `json:"fgm"`
	// Exact is the accuracy under the worst perturbation, in closed form
	// (the linear model only: Linear.ExactRobustAccuracy).
	Exact *float64 `json:"exact,omitempty"`
}

// Result is what Run measures.
type Result struct {
	Experiment Experiment `json:"experiment"`
	Seed       uint64     `json:"seed"`
	NTrain     int        `json:"n_train"`
	NTest      int        `json:"n_test"`
	// TestAccuracy and TrainAccuracy are clean accuracies (TrainAccuracy
	// on at most 2,000 training points); TestError = 1 - TestAccuracy.
	TestAccuracy  float64 `json:"test_accuracy"`
	TrainAccuracy float64 `json:"train_accuracy"`
	TestError     float64 `json:"test_error"`
	// TestMajority is the share of the larger class on the test set: the
	// accuracy, clean and under any attack, of the best constant
	// classifier ("chance").
	TestMajority float64 `json:"test_majority"`
	L2           []Point `json:"l2"`
	LInf         []Point `json:"linf"`
	// Init and Final decompose the network's neurons (net, ntk only).
	Init  *Decomposition `json:"init,omitempty"`
	Final *Decomposition `json:"final,omitempty"`
	// Bias is the median final bias over neurons (net, ntk).
	Bias float64 `json:"bias,omitempty"`
	// L1Ratio is the linear model's ||w||_1 / (sqrt(d) ||w||_2)
	// (Linear.L1Ratio).
	L1Ratio      float64   `json:"l1_ratio,omitempty"`
	Loss         []float64 `json:"loss,omitempty"`
	Ridge        float64   `json:"ridge,omitempty"`
	TrainSeconds float64   `json:"train_seconds"`
	EvalSeconds  float64   `json:"eval_seconds"`
	Version      string    `json:"version"`
	// Model is the trained model (not serialised).
	Model Model `json:"-"`
}

// Run trains the experiment's model on tr and evaluates it on te; sc is
// the sparse-coding model the data came from (for the decomposition).
func Run(ctx context.Context, e Experiment, sc *concept.SparseCoding, tr, te *concept.Dataset) (*Result, error) {
	if tr.D != sc.Spec.D || te.D != tr.D {
		return nil, fmt.Errorf("%w: data of dimension %d and %d for a model of dimension %d", ErrConfig, tr.D, te.D, sc.Spec.D)
	}
	res := &Result{Experiment: e, Seed: e.Train.Seed, NTrain: tr.N, NTest: te.N, Version: version.Full()}
	t0 := time.Now()
	switch e.Kind {
	case KindNet, KindNTK, KindLinear:
		c := e.Train
		c.Kind = e.Kind
		out, err := Train(ctx, c, tr)
		if err != nil {
			return nil, err
		}
		res.Model, res.Loss = out.Model(), out.Loss
		if out.Linear != nil {
			res.L1Ratio = out.Linear.L1Ratio()
		}
		if out.Net != nil {
			init := *out.Net
			init.W, init.B = out.Net.W0, out.Net.B0
			if res.Init, err = decomposition(&init, sc, e.TopK); err != nil {
				return nil, err
			}
			if res.Final, err = decomposition(out.Net, sc, e.TopK); err != nil {
				return nil, err
			}
			res.Bias = median(out.Net.B)
		}
	case KindPoly:
		if e.PolyDegree < 1 || e.PolyDegree > 8 {
			return nil, fmt.Errorf("%w: polynomial degree %d, want 1..8", ErrConfig, e.PolyDegree)
		}
		sub := head(tr, e.PolyN)
		fit, err := kernel.Fit(kernel.Poly{Degree: e.PolyDegree, C: 1}, sub, kernel.Options{Seed: e.Train.Seed})
		if err != nil {
			return nil, fmt.Errorf("robust: fit the polynomial kernel: %w", err)
		}
		pk, err := NewPolyKernel(fit.Predictor)
		if err != nil {
			return nil, err
		}
		res.Model, res.Ridge, res.NTrain = pk, fit.Ridge, sub.N
	default:
		return nil, fmt.Errorf("%w: kind %q, want %s, %s, %s or %s", ErrConfig, e.Kind, KindNet, KindNTK, KindLinear, KindPoly)
	}
	res.TrainSeconds = time.Since(t0).Seconds()
	t1 := time.Now()
	m := res.Model
	res.TestAccuracy = Accuracy(m, te.X, te.Y, te.N)
	res.TestError = 1 - res.TestAccuracy
	pos := 0
	for _, y := range te.Y[:te.N] {
		if y > 0 {
			pos++
		}
	}
	res.TestMajority = float64(max(pos, te.N-pos)) / float64(te.N)
	nt := min(tr.N, 2000)
	res.TrainAccuracy = Accuracy(m, tr.X[:nt*tr.D], tr.Y[:nt], nt)
	steps := e.EvalSteps
	if steps == 0 {
		steps = DefaultPGDSteps
	}
	for _, g := range []struct {
		norm  string
		radii []float64
		out   *[]Point
	}{{L2, e.L2Radii, &res.L2}, {LInf, e.LInfRadii, &res.LInf}} {
		for _, eps := range g.radii {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			pgd := Attack{Method: PGD, Norm: g.norm, Eps: eps, Steps: steps}
			fgm := Attack{Method: FGM, Norm: g.norm, Eps: eps}
			if err := pgd.Validate(); err != nil {
				return nil, err
			}
			p := Point{Eps: eps, PGD: RobustAccuracy(m, pgd, te.X, te.Y, te.N), FGM: RobustAccuracy(m, fgm, te.X, te.Y, te.N)}
			if lin, ok := m.(*Linear); ok {
				exact, err := lin.ExactRobustAccuracy(g.norm, eps, te.X, te.Y, te.N)
				if err != nil {
					return nil, err
				}
				p.Exact = &exact
			}
			*g.out = append(*g.out, p)
		}
	}
	res.EvalSeconds = time.Since(t1).Seconds()
	return res, nil
}

func decomposition(n *Net, sc *concept.SparseCoding, k int) (*Decomposition, error) {
	d, err := Decompose(n, sc.M, k)
	return &d, err
}

// head is the first n rows of ds (all of them for n <= 0 or n >= N).
func head(ds *concept.Dataset, n int) *concept.Dataset {
	if n <= 0 || n >= ds.N {
		return ds
	}
	return &concept.Dataset{Task: ds.Task, N: n, D: ds.D, X: ds.X[:n*ds.D], Y: ds.Y[:n], Meta: ds.Meta}
}
