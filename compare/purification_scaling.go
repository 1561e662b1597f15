package compare

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/hierlearn/hierlearn/concept"
)

// The purification preset's l-infinity scaling sweeps. Allen-Zhu & Li's
// lower bound for low-complexity models is asymptotic in d, and an
// l-infinity ball of radius eps reaches a dense direction u (an atom M_i,
// or the Bayes direction M w*) by eps ||u||_1, about 0.8 eps sqrt(d) ||u||_2:
// the radius that looks the same to a network reading the atoms at every
// d is eps = c / sqrt(d) (c = 0.4: 0.04 at d=100, whose l2 reach 0.4
// matches the l2 radius 0.3 up to that 0.8; 0.02 at d=400, the main
// l-infinity sweep). At d=100 a linear model escapes part of such a
// perturbation by concentrating its weights on few input coordinates
// (lowering ||w||_1 at the cost of clean accuracy: exact robust accuracy
// 0.66, 0.15 above chance); these sweeps train it adversarially
// (PGD-l-infinity, which on a linear model is exact robust training: the
// inner maximum is -eps y sign(w)) at eps = c / sqrt(d) for d = 100, 200
// and 800 on 10,000 points, next to the main sweep's d=400, and the
// report shows how its robust accuracy approaches chance as d grows. The
// networks run at d=400 only.

// linfScale is c = eps sqrt(d) of the scaling sweeps' l-infinity radius.
const linfScale = 0.4

// linfScalingDims are the dimensions of the scaling sweeps (d=400 is the
// main l-infinity sweep, on 40,000 points).
var linfScalingDims = []int{100, 200, 800}

// linfScalingLearner is the model of the scaling sweeps.
const linfScalingLearner = "robust:linear:pgd-linf"

// purificationScalingSweeps are the linear model's sweeps at d = 100, 200
// and 800 (k = round(sqrt(d)), the main sweep's noise, margin, n and
// seeds), each trained and evaluated at l-infinity radius 0.4/sqrt(d).
func purificationScalingSweeps() []Sweep {
	var out []Sweep
	for _, d := range linfScalingDims {
		spec := concept.SparseCodingSpec{D: d, Noise: 0.1, Margin: 1, Seed: 1}
		eps := linfScale / math.Sqrt(float64(d))
		out = append(out, Sweep{Experiment: "purification", Dataset: SparseCodingDataset(spec), Learners: []string{linfScalingLearner},
			N: []int{10000}, Seeds: seeds1to5, NTest: 1000,
			Options: map[string]any{"eps_linf": eps, "linf_radii": []float64{eps}, "l2_radii": []float64{0.3}}})
	}
	return out
}

// linfScalingGroups are the groups of the l-infinity-trained linear model
// on sparse-coding datasets, by increasing d.
func linfScalingGroups(gs []*group) []*group {
	var out []*group
	for _, g := range gs {
		if g.Learner != linfScalingLearner {
			continue
		}
		if _, ok, err := sparseCodingOf(g.Concept); ok && err == nil {
			out = append(out, g)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return scalingDim(out[i]) < scalingDim(out[j]) })
	return out
}

func scalingDim(g *group) int {
	s, _, _ := sparseCodingOf(g.Concept)
	return s.D
}

// trainEps is the l-infinity radius a group's model was trained at (the
// first result's experiment; 0 when it has none).
func trainEps(g *group) float64 {
	for _, r := range g.Results {
		e, _ := r.Metrics["experiment"].(map[string]any)
		t, _ := e["train"].(map[string]any)
		a, _ := t["adv"].(map[string]any)
		if v, ok := a["eps"].(float64); ok {
			return v
		}
	}
	return 0
}

// writePurificationScaling tabulates the l-infinity-trained linear model
// at its training radius against d, when it ran on two dimensions or
// more, and checks that its robust accuracy falls toward chance.
func writePurificationScaling(w io.Writer, gs []*group) {
	if len(gs) < 2 {
		return
	}
	fmt.Fprintf(w, "#### The linear model under l-infinity adversarial training against d\n\n")
	fmt.Fprintf(w, "%s, evaluated at its training radius eps = c/sqrt(d) (the paper's scaling: an l-infinity ball reaches a dense direction u by about "+
		"0.8 eps sqrt(d) ||u||_2, the same at every d for fixed c). Its robust accuracy is exact: the worst perturbation of a linear model is "+
		"-eps y sign(w), in closed form. The spread of w is ||w||_1 / (sqrt(d) ||w||_2): about 0.8 for a dense direction, 1/sqrt(d) for one input "+
		"coordinate. Chance is the best constant classifier's accuracy, the test set's majority share.\n\n", linfScalingLearner)
	fmt.Fprintf(w, "| d | n | eps | c = eps sqrt(d) | seeds | clean accuracy | robust accuracy at eps | chance | spread of w |\n|---|---|---|---|---|---|---|---|---|\n")
	var rob []stat
	var chances []float64
	for _, g := range gs {
		d, eps := scalingDim(g), trainEps(g)
		_, ex := curve(g, "linf", "exact")
		vals := ex[eps]
		if len(vals) == 0 {
			_, pgd := curve(g, "linf", "pgd")
			vals = pgd[eps]
		}
		s := newStat(vals)
		ch := chance([]*group{g})
		rob, chances = append(rob, s), append(chances, ch)
		fmt.Fprintf(w, "| %d | %d | %s | %s | %d | %s | %s | %s | %s |\n", d, g.N, fmtRadius(eps), fmtRadius(eps*math.Sqrt(float64(d))), len(g.Results),
			newStat(metricValues(g, "test_accuracy")), s, fmtNum(ch), newStat(metricValues(g, "l1_ratio")))
	}
	fmt.Fprintln(w)
	falls := true
	for i := 1; i < len(rob); i++ {
		falls = falls && rob[i].Median < rob[i-1].Median
	}
	first, last := rob[0], rob[len(rob)-1]
	verdict := func(ok bool) string {
		if ok {
			return "holds"
		}
		return "does NOT hold"
	}
	n := len(gs) - 1
	fmt.Fprintf(w, "- the adversarially trained linear model's robust accuracy at eps = c/sqrt(d) falls as d grows (median lower at every larger d, "+
		"bootstrap intervals of the smallest and largest d apart): %s (%s at d=%d, %s at d=%d)\n",
		verdict(falls && last.CIHi < first.CILo), fmtNum(first.Median), scalingDim(gs[0]), fmtNum(last.Median), scalingDim(gs[n]))
	// Where the low-complexity claim can hold is a finding of the sweep,
	// not a claim: the smallest d from which on the median stays within
	// chanceSlack of chance.
	from := "none of the d run"
	var above []string
	for i, g := range gs {
		above = append(above, fmt.Sprintf("%s at d=%d", fmtNum(rob[i].Median-chances[i]), scalingDim(g)))
		tail := true
		for j := i; j < len(gs); j++ {
			tail = tail && rob[j].Median <= chances[j]+chanceSlack
		}
		if tail && from == "none of the d run" {
			from = fmt.Sprintf("d=%d", scalingDim(g))
		}
	}
	fmt.Fprintf(w, "- finding: it stays within %.2g of chance (does not become robust) from %s on; above chance by %s\n",
		chanceSlack, from, strings.Join(above, ", "))
	fmt.Fprintln(w)
}
