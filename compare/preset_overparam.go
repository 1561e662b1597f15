package compare

import (
	"fmt"

	"github.com/hierlearn/hierlearn/concept"
)

// The presets of issue 17 (optimisation theory: over-parameterised
// convergence, lazy versus feature learning, deep ReLU teachers). Every
// network is a train/deepnet ReLU network trained by plain gradient
// descent; the learner name holds its parameterisation, depth, width and
// output scale (deepnet:PARAM:LxW[:aALPHA]).

var seeds1to5 = []uint64{1, 2, 3, 4, 5}

// overparamWidths is the width grid of the overparam preset; the slopes
// are fitted from overparamFitFrom on.
var overparamWidths = []int{16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192}

const overparamFitFrom = 256

// lazyAlphas is the output-scale grid of the lazy preset.
var lazyAlphas = []float64{0.03, 0.1, 0.3, 1, 3, 10, 100, 1000}

func deepnetLearners(param string, depth int, widths []int, alphas []float64) []string {
	var out []string
	for _, w := range widths {
		if alphas == nil {
			out = append(out, fmt.Sprintf("deepnet:%s:%dx%d", param, depth, w))
		}
		for _, a := range alphas {
			out = append(out, fmt.Sprintf("deepnet:%s:%dx%d:a%g", param, depth, w, a))
		}
	}
	return out
}

// overparamPreset: width sweep of a two-layer ReLU network (one hidden
// layer) on two fixed relu-teacher datasets (n=128), NTK
// parameterisation, full-batch GD; mean-field at fewer widths and seeds
// for contrast. The d=10 data has an ill-conditioned NTK (its smallest
// eigenvalues about 1,000 times below the largest) and the d=50 data a
// better-conditioned one (about 120 times): the width at which the
// convergence rate reaches its infinite-width value grows with the
// conditioning, and the two sweeps show both sides of 8192. At d=50 the
// gap's seed-to-seed spread comes from the initial NTK's finite-width
// fluctuation; ten seeds keep the median's bootstrap interval from being
// the single worst seed (with five, its upper end is the largest value).
func overparamPreset() Config {
	spec := concept.Spec{Family: concept.FamilyReLU, D: 10, Layers: 2, Widths: []int{8, 8}}
	spec50 := concept.Spec{Family: concept.FamilyReLU, D: 50, Layers: 2, Widths: []int{8, 8}}
	opt := map[string]any{"lr": 2.0, "steps": 1500.0}
	return Config{Name: "overparam", Description: "Over-parameterised convergence (issue 17): a ReLU network with one hidden layer of width 16..8192 " +
		"(NTK parameterisation, full-batch GD, lr 2, 1,500 steps, seeds 1-5; mean-field at widths 64..4096, seeds 1-3) on a relu-teacher " +
		"(d=10, depth 2, width 8), n=128, and at the same widths with seeds 1-10 on the same kind of teacher at d=50 (a better-conditioned NTK). " +
		"Linear-convergence rate, relative weight change, activation-pattern change and NTK movement " +
		"against width, with log-log slopes fitted from width 256; the rate against the rates of the linearised network (initial NTK), " +
		"of the linear model with the final NTK and of the infinite-width limit (analytic NTK) from the same initial residual, and the gap |r - r∞|/r∞ against width.",
		Sweeps: []Sweep{
			{Experiment: "overparam", Concepts: []concept.Spec{spec}, Learners: deepnetLearners("ntk", 2, overparamWidths, nil),
				N: []int{128}, Seeds: seeds1to5, NTest: 2000, Options: opt},
			{Experiment: "overparam", Concepts: []concept.Spec{spec}, Learners: deepnetLearners("mean-field", 2, []int{64, 256, 1024, 4096}, nil),
				N: []int{128}, Seeds: seeds1to5[:3], NTest: 2000, Options: opt},
			{Experiment: "overparam", Concepts: []concept.Spec{spec50}, Learners: deepnetLearners("ntk", 2, overparamWidths, nil),
				N: []int{128}, Seeds: seeds1to10, NTest: 2000, Options: opt},
		}}
}

// lazyPreset: output scale alpha from 0.03 to 1000 at width 1024 on a
// single-index relu-teacher (d=20, one hidden unit), where learning the
// feature pays; centred (p = alpha (f - f_0)), with the linearised model
// and ridgeless kernel regression on the initial NTK.
func lazyPreset() Config {
	spec := concept.Spec{Family: concept.FamilyReLU, D: 20, Layers: 1, Widths: []int{1}}
	return Config{Name: "lazy", Description: "Lazy versus feature learning (issue 17): a ReLU network with one hidden layer of width 1024 " +
		"(NTK parameterisation, centred output alpha (f - f_0), full-batch GD, lr 1, 2,000 steps) for alpha = 0.03..1000, seeds 1-5, " +
		"on a single-index relu-teacher (d=20, one hidden unit), n=256; test error, NTK movement and the distance to the linearised " +
		"network (gradient descent with the initial NTK) against alpha.",
		Sweeps: []Sweep{{Experiment: "lazy", Concepts: []concept.Spec{spec}, Learners: deepnetLearners("ntk", 2, []int{1024}, lazyAlphas),
			N: []int{256}, Seeds: seeds1to5, NTest: 2000, Options: map[string]any{"lr": 1.0, "steps": 2000.0, "center": true, "krr": true}}},
	}
}

// reluTeacherPreset: deep ReLU teachers under Gaussian inputs (depth 3,
// width 4) at d = 8, 16, 32: the student network (depth 3, width 128,
// SGD) against the depth-3 NTK, RBF and polynomial kernels, n = 250..4000.
func reluTeacherPreset() Config {
	c := Config{Name: "relu-teacher", Description: "Deep ReLU teachers under Gaussian inputs (issue 17; arXiv 2009.13512): a random ReLU " +
		"network of depth 3 and width 4 on d = 8, 16, 32, n = 250..4000, seeds 1-3; the student is a ReLU network of depth 3 and " +
		"width 128 (NTK parameterisation, SGD with batch 64, lr 1, 2,000 steps), the kernels ntk:3, rbf and poly:2 (kernel ridge, " +
		"ridge chosen on validation). Test error against n per d; the scaling section fits n* against d."}
	ns := []int{250, 500, 1000, 2000, 4000}
	for _, d := range []int{8, 16, 32} {
		spec := concept.Spec{Family: concept.FamilyReLU, D: d, Layers: 3, Widths: []int{4, 4, 4}}
		c.Sweeps = append(c.Sweeps,
			Sweep{Experiment: "relu-teacher", Concepts: []concept.Spec{spec}, Learners: []string{"deepnet:ntk:3x128"},
				N: ns, Seeds: seeds1to5[:3], NTest: 2000, Options: map[string]any{"lr": 1.0, "steps": 2000.0, "batch": 64.0}},
			Sweep{Experiment: "relu-teacher", Concepts: []concept.Spec{spec}, Learners: []string{"kernel:ntk:3", "kernel:rbf", "kernel:poly:2"},
				N: ns, Seeds: seeds1to5[:3], NTest: 2000})
	}
	return c
}
