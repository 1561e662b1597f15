package compare

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Report section and plots of the purification preset (robust:...
// learners). Every number is summarised over seeds by newStat (median,
// IQR, bootstrap 95% interval of the median). The breaking radius of a
// norm is the smallest radius of the grid at which the clean-trained
// network's median PGD accuracy falls below breakAccuracy. The claims of
// issue 16 are checked at the radius the networks were adversarially
// trained at, where the clean network must be broken too (a claim of its
// own), or at the breaking radius when no network was trained under that
// norm.

// breakAccuracy defines where clean training "breaks".
const breakAccuracy = 0.5

// wellAbove is the margin by which an adversarially trained network's
// median robust accuracy must exceed the clean network's at the breaking
// radius (and its bootstrap interval must lie above the clean one's).
const wellAbove = 0.3

// chanceSlack is how far above chance (the best constant classifier's
// accuracy, the test set's majority share) a low-complexity model's
// median robust accuracy may be and still count as "does not become
// robust": 1,000 test points give the class share a standard error of
// about 0.016, and 0.05 is three of those. (A bound of 0.5 would not do:
// adversarial training that converges to the constant classifier, as
// l2-trained logistic regression does at d=100, sits at the class share,
// 0.503 there, and a model below chance is not the best of its class.)
const chanceSlack = 0.05

// chance is the test set's majority share over the groups' results (one
// dataset: the same test set), 0.5 for results without it.
func chance(rg []*group) float64 {
	var v []float64
	for _, g := range rg {
		v = append(v, metricValues(g, "test_majority")...)
	}
	if len(v) == 0 {
		return 0.5
	}
	return newStat(v).Median
}

// robustGroups keeps the groups of robust:... learners on the datasets
// that have a clean network (robust:net), the ones the claims are checked
// on; the scaling sweeps' linear models on other datasets are left to
// writePurificationScaling.
func robustGroups(gs []*group) []*group {
	withNet := map[string]bool{}
	for _, g := range gs {
		if g.Learner == "robust:net" {
			withNet[g.ConceptKey] = true
		}
	}
	var out []*group
	for _, g := range gs {
		if strings.HasPrefix(g.Learner, "robust:") && withNet[g.ConceptKey] {
			out = append(out, g)
		}
	}
	return out
}

// curve returns, per radius, the values of one attack ("pgd" or "fgm")
// of one norm ("l2" or "linf") over the group's seeds.
func curve(g *group, norm, attack string) (radii []float64, vals map[float64][]float64) {
	vals = map[float64][]float64{}
	for _, r := range g.Results {
		list, _ := r.Metrics[norm].([]any)
		for _, p := range list {
			m, _ := p.(map[string]any)
			eps, ok1 := m["eps"].(float64)
			v, ok2 := m[attack].(float64)
			if !ok1 || !ok2 {
				continue
			}
			if _, seen := vals[eps]; !seen {
				radii = append(radii, eps)
			}
			vals[eps] = append(vals[eps], v)
		}
	}
	sort.Float64s(radii)
	return radii, vals
}

// decompValues collects a number of the init or final decomposition over
// the seeds.
func decompValues(g *group, which, key string) []float64 {
	var out []float64
	for _, r := range g.Results {
		m, _ := r.Metrics[which].(map[string]any)
		if v, ok := m[key].(float64); ok && !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	return out
}

// neuronRatios pools the per-neuron dense-mixture ratios over seeds.
func neuronRatios(g *group, which string) []float64 {
	var out []float64
	for _, r := range g.Results {
		m, _ := r.Metrics[which].(map[string]any)
		ns, _ := m["neurons"].([]any)
		for _, n := range ns {
			nm, _ := n.(map[string]any)
			if v, ok := nm["ratio"].(float64); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

func metricValues(g *group, key string) []float64 {
	var out []float64
	for _, r := range g.Results {
		if v, ok := r.Number(key); ok {
			out = append(out, v)
		}
	}
	return out
}

// breakingRadius is the smallest radius where the clean network's median
// PGD accuracy is below breakAccuracy (ok false when there is none).
func breakingRadius(rg []*group, norm string) (float64, bool) {
	for _, g := range rg {
		if g.Learner != "robust:net" {
			continue
		}
		radii, vals := curve(g, norm, "pgd")
		for _, eps := range radii {
			if newStat(vals[eps]).Median < breakAccuracy {
				return eps, true
			}
		}
	}
	return 0, false
}

// hasRadii reports whether the clean network (robust:net) was evaluated
// under norm: the norms a dataset's section and plots cover.
func hasRadii(rg []*group, norm string) bool {
	for _, g := range rg {
		if r, _ := curve(g, norm, "pgd"); g.Learner == "robust:net" && len(r) > 0 {
			return true
		}
	}
	return false
}

// byDataset splits groups by dataset, in order of first appearance.
func byDataset(rg []*group) (order []string, sets map[string][]*group) {
	sets = map[string][]*group{}
	for _, g := range rg {
		if _, ok := sets[g.Concept]; !ok {
			order = append(order, g.Concept)
		}
		sets[g.Concept] = append(sets[g.Concept], g)
	}
	return order, sets
}

// trainRadius is the radius of the networks' adversarial training under
// norm (the first robust:net:METHOD-NORM group with a recorded
// experiment); ok is false when no network was trained under norm.
func trainRadius(rg []*group, norm string) (float64, bool) {
	for _, g := range rg {
		if strings.HasPrefix(g.Learner, "robust:net:") && trainNorm(g.Learner) == norm {
			if eps := trainEps(g); eps > 0 {
				return eps, true
			}
		}
	}
	return 0, false
}

// fmtRadius prints a radius with at most 4 significant digits.
func fmtRadius(e float64) string { return strconv.FormatFloat(e, 'g', 4, 64) }

// trainNorm is the norm of a learner's adversarial training ("" when clean).
func trainNorm(learner string) string {
	parts := strings.Split(learner, ":")
	if len(parts) == 3 && parts[1] != "poly" {
		_, norm, _ := strings.Cut(parts[2], "-")
		return norm
	}
	return ""
}

func writePurification(w io.Writer, gs []*group) {
	rg := robustGroups(gs)
	scaling := linfScalingGroups(gs)
	if len(rg) == 0 && len(scaling) == 0 {
		return
	}
	fmt.Fprintf(w, "### Feature purification\n\n")
	order, sets := byDataset(rg)
	for _, ds := range order {
		writePurificationDataset(w, ds, sets[ds])
	}
	writePurificationScaling(w, scaling)
}

// writePurificationDataset writes the tables and claims of the learners
// on one dataset (rg has a clean network).
func writePurificationDataset(w io.Writer, dataset string, rg []*group) {
	fmt.Fprintf(w, "Dataset %s.\n\n", dataset)
	fmt.Fprintf(w, "Accuracy is on the test set, clean and under attack (PGD with 10 steps of 2.5 eps/10 from x, no random start, and FGM, both on each model's own input gradient); "+
		"every entry is the median over seeds [IQR] and the bootstrap 95%% interval of the median. The breaking radius of a norm is the smallest radius of the grid "+
		"where the clean-trained network's median PGD accuracy falls below %.2g. The claims are checked at the radius the networks were adversarially trained at "+
		"(the breaking radius when none was), and clean training must break there.\n\n", breakAccuracy)
	byLearner := map[string]*group{}
	for _, g := range rg {
		byLearner[g.Learner] = g
	}
	for _, norm := range []string{"l2", "linf"} {
		if !hasRadii(rg, norm) {
			continue
		}
		brk, broken := breakingRadius(rg, norm)
		eps, trained := trainRadius(rg, norm)
		switch {
		case trained && broken:
			fmt.Fprintf(w, "#### %s: claims at the training radius %s (breaking radius %s)\n\n", norm, fmtRadius(eps), fmtRadius(brk))
		case trained:
			fmt.Fprintf(w, "#### %s: claims at the training radius %s (no breaking radius in the grid)\n\n", norm, fmtRadius(eps))
		case broken:
			eps = brk
			fmt.Fprintf(w, "#### %s: breaking radius %s\n\n", norm, fmtRadius(eps))
		default:
			fmt.Fprintf(w, "No breaking radius in the %s grid (the clean network keeps %.2g accuracy or more).\n\n", norm, breakAccuracy)
			continue
		}
		fmt.Fprintf(w, "| learner | seeds | clean accuracy | PGD accuracy at %s | FGM accuracy at %s |\n|---|---|---|---|---|\n", fmtRadius(eps), fmtRadius(eps))
		for _, g := range rg {
			_, pgd := curve(g, norm, "pgd")
			_, fgm := curve(g, norm, "fgm")
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s |\n", g.Learner, len(g.Results), newStat(metricValues(g, "test_accuracy")),
				newStat(pgd[eps]), newStat(fgm[eps]))
		}
		fmt.Fprintln(w)
		writePurificationClaims(w, rg, byLearner, norm, eps, trained)
	}
	fmt.Fprintf(w, "#### PGD accuracy against the radius (medians over seeds)\n\n")
	for _, norm := range []string{"l2", "linf"} {
		if !hasRadii(rg, norm) {
			continue
		}
		var radii []float64
		for _, g := range rg {
			if r, _ := curve(g, norm, "pgd"); len(r) > len(radii) {
				radii = r
			}
		}
		fmt.Fprintf(w, "| learner (%s) |", norm)
		for _, e := range radii {
			fmt.Fprintf(w, " %s |", fmtRadius(e))
		}
		fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(radii)))
		for _, g := range rg {
			_, vals := curve(g, norm, "pgd")
			fmt.Fprintf(w, "| %s |", g.Learner)
			for _, e := range radii {
				fmt.Fprintf(w, " %s |", fmtNum(newStat(vals[e]).Median))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "#### Neurons in the dictionary's basis\n\n")
	fmt.Fprintf(w, "c = M^T w_r per neuron; the pure part is its top-k coefficients (k in the results, default 3), the dense mixture the rest. "+
		"Layer mixture ratio: ||dense parts|| / ||pure parts|| over all neurons; per-neuron ratio, effective number of atoms (sum c^2)^2 / sum c^4 "+
		"and the cosine to the initial weights are medians over neurons, then summarised over seeds. The NTK-regime network starts from the "+
		"same directions as the network (a larger scale), so in purification-profile.png its curves cover the one at initialisation.\n\n")
	fmt.Fprintf(w, "| learner | mixture ratio at init | mixture ratio trained | per-neuron ratio | effective atoms | pure share of the squared weights | cosine to init | median bias |\n|---|---|---|---|---|---|---|---|\n")
	for _, g := range rg {
		if len(decompValues(g, "final", "mixture_ratio")) == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", g.Learner,
			newStat(decompValues(g, "init", "mixture_ratio")), newStat(decompValues(g, "final", "mixture_ratio")),
			newStat(decompValues(g, "final", "median_ratio")), newStat(decompValues(g, "final", "median_effective")),
			newStat(decompValues(g, "final", "top_mass")), newStat(decompValues(g, "final", "median_cos_init")),
			newStat(metricValues(g, "bias")))
	}
	fmt.Fprintln(w)
}

// writePurificationClaims checks issue 16's claims at radius eps of one
// norm: the breaking radius, or the networks' training radius (trained),
// where the clean network must then be broken too.
func writePurificationClaims(w io.Writer, rg []*group, byLearner map[string]*group, norm string, eps float64, trained bool) {
	clean := byLearner["robust:net"]
	if clean == nil {
		return
	}
	_, cv := curve(clean, norm, "pgd")
	cs := newStat(cv[eps])
	cleanMix := newStat(decompValues(clean, "final", "mixture_ratio"))
	verdict := func(ok bool) string {
		if ok {
			return "holds"
		}
		return "does NOT hold"
	}
	if trained {
		fmt.Fprintf(w, "- clean training breaks at the training radius %s (robust:net's median PGD accuracy below %.2g): %s (%s)\n",
			fmtRadius(eps), breakAccuracy, verdict(cs.Median < breakAccuracy), fmtNum(cs.Median))
	}
	for _, g := range rg {
		if !strings.HasPrefix(g.Learner, "robust:net:") || trainNorm(g.Learner) != norm {
			continue
		}
		_, v := curve(g, norm, "pgd")
		s := newStat(v[eps])
		fmt.Fprintf(w, "- %s keeps robust accuracy well above clean training (median at least %.2g higher, bootstrap intervals apart): %s (%s against %s)\n",
			g.Learner, wellAbove, verdict(s.Median >= cs.Median+wellAbove && s.CILo > cs.CIHi), fmtNum(s.Median), fmtNum(cs.Median))
		m := newStat(decompValues(g, "final", "mixture_ratio"))
		fmt.Fprintf(w, "- the dense-mixture ratio falls under %s (median below the clean network's, bootstrap intervals apart): %s (%s against %s)\n",
			g.Learner, verdict(m.Median < cleanMix.Median && m.CIHi < cleanMix.CILo), fmtNum(m.Median), fmtNum(cleanMix.Median))
	}
	ch := chance(rg)
	for _, g := range rg {
		kind := strings.Split(g.Learner, ":")[1]
		if kind == "net" {
			continue
		}
		if tn := trainNorm(g.Learner); tn != "" && tn != norm {
			continue
		}
		_, v := curve(g, norm, "pgd")
		s := newStat(v[eps])
		exact := ""
		if _, ex := curve(g, norm, "exact"); len(ex[eps]) > 0 {
			exact = fmt.Sprintf("; under the worst perturbation, in closed form, %s", fmtNum(newStat(ex[eps]).Median))
		}
		fmt.Fprintf(w, "- %s does not become robust (median PGD accuracy at most %.2g above chance, %s): %s (%s%s; clean accuracy %s)\n",
			g.Learner, chanceSlack, fmtNum(ch), verdict(s.Median <= ch+chanceSlack), fmtNum(s.Median), exact, fmtNum(newStat(metricValues(g, "test_accuracy")).Median))
	}
	fmt.Fprintln(w)
}

// plotPurification draws, per dataset, the robust accuracy against the
// radius per norm, the distributions of the per-neuron dense-mixture
// ratio and the mean sorted coefficient profile of the networks; the
// file names carry the dimension ("-d400") when there are several
// datasets.
func plotPurification(dir string, gs []*group) ([]string, error) {
	order, sets := byDataset(robustGroups(gs))
	var files []string
	for _, ds := range order {
		suffix := ""
		if len(order) > 1 {
			s, _, _ := sparseCodingOf(ds)
			suffix = fmt.Sprintf("-d%d", s.D)
		}
		f, err := plotPurificationDataset(dir, suffix, sets[ds])
		files = append(files, f...)
		if err != nil {
			return files, err
		}
	}
	return files, nil
}

// plotPurificationDataset draws plotPurification's plots of one dataset.
func plotPurificationDataset(dir, suffix string, rg []*group) ([]string, error) {
	var rs []Result
	for _, g := range rg {
		rs = append(rs, g.Results...)
	}
	sty := styles(rs)
	var files []string
	for _, norm := range []string{"l2", "linf"} {
		if !hasRadii(rg, norm) {
			continue
		}
		var ss []series
		for _, g := range rg {
			radii, vals := curve(g, norm, "pgd")
			pts := []point{{0, newStat(metricValues(g, "test_accuracy"))}}
			for _, e := range radii {
				pts = append(pts, point{e, newStat(vals[e])})
			}
			ss = append(ss, series{label: g.Learner, st: sty[g.Learner], pts: pts})
		}
		p := plot.New()
		p.Title.Text = fmt.Sprintf("accuracy under PGD (%s) against the radius", norm)
		p.X.Label.Text = norm + " radius"
		p.Y.Label.Text = "test accuracy (median, IQR over seeds)"
		lg, err := addSeries(p, ss)
		if err != nil {
			return files, err
		}
		p.Y.Min, p.Y.Max = 0, 1.02
		f, err := savePlot(dir, "purification-robust-"+norm+suffix, p, lg, 7*vg.Inch, 5*vg.Inch)
		if err != nil {
			return files, err
		}
		files = append(files, f)
	}
	f, err := plotMixtureBoxes(dir, suffix, rg)
	if err != nil {
		return files, err
	}
	if f != "" {
		files = append(files, f)
	}
	f, err = plotProfiles(dir, suffix, rg, sty)
	if err != nil {
		return files, err
	}
	if f != "" {
		files = append(files, f)
	}
	return files, nil
}

// plotMixtureBoxes draws box plots of the per-neuron dense-mixture ratio
// (all neurons of all seeds) at initialisation and after training.
func plotMixtureBoxes(dir, suffix string, rg []*group) (string, error) {
	type box struct {
		label string
		vals  []float64
	}
	var boxes []box
	for _, g := range rg {
		if g.Learner == "robust:net" {
			if v := neuronRatios(g, "init"); len(v) > 0 {
				boxes = append(boxes, box{"net at init", v})
			}
		}
	}
	for _, g := range rg {
		if v := neuronRatios(g, "final"); len(v) > 0 {
			boxes = append(boxes, box{strings.TrimPrefix(g.Learner, "robust:"), v})
		}
	}
	if len(boxes) == 0 {
		return "", nil
	}
	p := plot.New()
	p.Title.Text = "dense-mixture ratio ||dense part|| / ||top-k part|| per neuron"
	p.Y.Label.Text = "ratio (all neurons of all seeds)"
	logAxes(p, false, true)
	var labels []string
	lo, hi := math.Inf(1), 0.0
	for i, b := range boxes {
		vals := make(plotter.Values, 0, len(b.vals))
		for _, v := range b.vals {
			if v > 0 {
				vals = append(vals, v)
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if len(vals) == 0 {
			continue
		}
		bp, err := plotter.NewBoxPlot(vg.Points(20), float64(i), vals)
		if err != nil {
			return "", err
		}
		p.Add(bp)
		labels = append(labels, b.label)
	}
	p.NominalX(labels...)
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = draw.XRight
	if hi > 0 {
		p.Y.Min, p.Y.Max = lo, hi
		fixLogRange(&p.Y)
	}
	w := vg.Length(math.Max(6, float64(len(labels))*0.9)) * vg.Inch
	return savePlot(dir, "purification-mixture"+suffix, p, nil, w, 5*vg.Inch)
}

// plotProfiles draws the mean sorted |c_i|/||c|| of the networks' neurons
// against the rank (median over seeds), at initialisation and trained.
func plotProfiles(dir, suffix string, rg []*group, sty map[string]style) (string, error) {
	profile := func(g *group, which string) []point {
		byRank := map[int][]float64{}
		for _, r := range g.Results {
			m, _ := r.Metrics[which].(map[string]any)
			ps, _ := m["profile"].([]any)
			for i, v := range ps {
				if f, ok := v.(float64); ok && f > 0 {
					byRank[i+1] = append(byRank[i+1], f)
				}
			}
		}
		var pts []point
		for rank, vals := range byRank {
			pts = append(pts, point{float64(rank), newStat(vals)})
		}
		return pts
	}
	var ss []series
	for _, g := range rg {
		if g.Learner == "robust:net" {
			if pts := profile(g, "init"); len(pts) > 0 {
				ss = append(ss, series{label: "net at init", st: style{color: palette[7], shape: draw.CrossGlyph{}}, pts: pts})
			}
		}
	}
	for _, g := range rg {
		if pts := profile(g, "final"); len(pts) > 0 {
			ss = append(ss, series{label: g.Learner, st: sty[g.Learner], pts: pts})
		}
	}
	if len(ss) == 0 {
		return "", nil
	}
	p := plot.New()
	p.Title.Text = "coefficients of a neuron in the dictionary basis, sorted"
	p.X.Label.Text = "rank of |c_i| (1 = largest)"
	p.Y.Label.Text = "mean over neurons of |c_i| / ||c||"
	logAxes(p, false, true)
	lg, err := addSeries(p, ss)
	if err != nil {
		return "", err
	}
	fixLogRange(&p.Y)
	intAxis(&p.X, 1, float64(len(ss[0].pts)))
	return savePlot(dir, "purification-profile"+suffix, p, lg, 7*vg.Inch, 5*vg.Inch)
}
