package compare

import (
	"fmt"

	"github.com/hierlearn/hierlearn/concept"
)

// The presets of issue 14 (separation at depth). Every HNet cell trains
// with the plateau recipe (train.PlateauConfig); kernels above exactN use
// Nystrom with nystromM landmarks; the MLP is 2 x 256 on the fixed recipe
// (2,000 steps a stage), which keeps a cell within about two minutes on
// two cores.

// seeds1to10 are the seeds of every claim (the test error is heavy-tailed
// across seeds: medians and their bootstrap intervals need about ten).
var seeds1to10 = []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}

const (
	exactN   = 10000 // largest n for exact kernel ridge
	nystromM = 4096  // landmarks above it
)

var (
	plateauOptions = map[string]any{"recipe": "plateau"}
	mlpOptions     = map[string]any{"hidden": []any{256.0, 256.0}, "steps_per_stage": 2000.0}
	nystromOptions = map[string]any{"method": fmt.Sprintf("nystrom:%d", nystromM)}
)

// hnetModes are the HNet learners of depth L: progressive, layerwise, e2e
// and bfc-K for K = 1..L-3 (bfc-K with K >= L-2 trains every layer in
// every stage: progressive training).
func hnetModes(L int) []string {
	out := []string{"hnet:progressive", "hnet:layerwise", "hnet:e2e"}
	for k := 1; k <= L-3; k++ {
		out = append(out, fmt.Sprintf("hnet:bfc-%d", k))
	}
	return out
}

// baselineSweeps are the MLP and the kernels on spec at the sizes ns:
// exact kernel ridge up to exactN, Nystrom above.
func baselineSweeps(exp string, spec concept.Spec, ns []int, seeds []uint64) []Sweep {
	kernels := []string{"kernel:poly:4", "kernel:ntk:2"}
	out := []Sweep{{Experiment: exp, Concepts: []concept.Spec{spec}, Learners: []string{"mlp"}, N: ns, Seeds: seeds, NTest: 5000, Options: mlpOptions}}
	var small, large []int
	for _, n := range ns {
		if n <= exactN {
			small = append(small, n)
		} else {
			large = append(large, n)
		}
	}
	if len(small) > 0 {
		out = append(out, Sweep{Experiment: exp, Concepts: []concept.Spec{spec}, Learners: kernels, N: small, Seeds: seeds, NTest: 5000})
	}
	if len(large) > 0 {
		out = append(out, Sweep{Experiment: exp, Concepts: []concept.Spec{spec}, Learners: kernels, N: large, Seeds: seeds, NTest: 5000, Options: nystromOptions})
	}
	return out
}

// depthPreset: L = 2..6 at d=20, k=3, alpha 1, 0.3, 0.09, ...; n = 10k
// and 50k; every HNet mode, the MLP and the kernels.
func depthPreset() Config {
	c := Config{Name: "depth", Description: "Separation at depth (issue 14): L = 2..6 at d=20, k=3, alpha geometric (1, 0.3, 0.09, ...), " +
		"n = 10k and 50k, seeds 1-10; HNet progressive, layerwise, e2e and every distinct bfc-K on the plateau recipe, " +
		"a ReLU MLP 2x256, and poly:4 and ntk:2 kernel ridge (Nystrom with 4096 landmarks above 10k)."}
	ns := []int{10000, 50000}
	for L := 2; L <= 6; L++ {
		spec := concept.Spec{D: 20, Layers: L}
		c.Sweeps = append(c.Sweeps, Sweep{Experiment: "depth", Concepts: []concept.Spec{spec}, Learners: hnetModes(L),
			N: ns, Seeds: seeds1to10, NTest: 5000, Options: plateauOptions})
		c.Sweeps = append(c.Sweeps, baselineSweeps("depth", spec, ns, seeds1to10)...)
	}
	return c
}

// scalingN is the sample-size grid of the scaling preset.
var scalingN = []int{1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000}

// scalingPreset: d in {10, ..., 160} at L=3, n from 1k to 200k; the
// report gives each learner's smallest n reaching 1e-2 and 1e-1 and the
// log-log slope of that n against d.
func scalingPreset() Config {
	c := Config{Name: "scaling", Description: "Sample complexity against dimension (issue 14): d = 10, 20, 40, 80, 160 at L=3, k=3, " +
		"n = 1k..200k, seeds 1-10; HNet progressive and layerwise (plateau recipe), poly:4 and ntk:2 kernel ridge " +
		"(Nystrom with 4096 landmarks above 10k, up to 50k). The report fits log n* against log d, n* the smallest n whose median test error reaches 1e-2 (and 1e-1)."}
	for _, d := range []int{10, 20, 40, 80, 160} {
		spec := concept.Spec{D: d, Layers: 3}
		c.Sweeps = append(c.Sweeps,
			Sweep{Experiment: "scaling", Concepts: []concept.Spec{spec}, Learners: []string{"hnet:progressive", "hnet:layerwise"},
				N: scalingN, Seeds: seeds1to10, NTest: 5000, Options: plateauOptions},
			Sweep{Experiment: "scaling", Concepts: []concept.Spec{spec}, Learners: []string{"kernel:poly:4", "kernel:ntk:2"},
				N: []int{1000, 2000, 5000, 10000}, Seeds: seeds1to10, NTest: 5000},
			Sweep{Experiment: "scaling", Concepts: []concept.Spec{spec}, Learners: []string{"kernel:poly:4", "kernel:ntk:2"},
				N: []int{20000, 50000}, Seeds: seeds1to10, NTest: 5000, Options: nystromOptions})
	}
	return c
}

// backwardDepthPreset: bfc-K for K = 0..L-2 at L = 4 and 5 (bfc-0 is
// layerwise training, bfc-(L-2) progressive), n = 10k and 50k.
func backwardDepthPreset() Config {
	c := Config{Name: "backward-depth", Description: "How deep backward feature correction must reach (issue 14): HNet bfc-K " +
		"(stage l trains layers l-K..l) for K = 0 (layerwise) .. L-2 (progressive) at L = 4 and 5, d=20, k=3, n = 10k and 50k, " +
		"seeds 1-10, plateau recipe; test error and every layer's feature error against K."}
	for _, L := range []int{4, 5} {
		var ls []string
		for k := 0; k <= L-2; k++ {
			ls = append(ls, fmt.Sprintf("hnet:bfc-%d", k))
		}
		c.Sweeps = append(c.Sweeps, Sweep{Experiment: "backward-depth", Concepts: []concept.Spec{{D: 20, Layers: L}}, Learners: ls,
			N: []int{10000, 50000}, Seeds: seeds1to10, NTest: 5000, Options: plateauOptions})
	}
	return c
}
