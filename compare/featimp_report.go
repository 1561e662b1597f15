package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// featimpScoreKeys are the columns of the agreement table.
var featimpScoreKeys = []struct{ key, what string }{
	{"spearman_lag", "lag ρ"}, {"spearman_distance", "distance ρ"}, {"spearman_location", "location ρ"},
	{"spearman_element", "element ρ"}, {"spearman_support", "element ρ on the support"}, {"topk_location", "top-k locations"}, {"topk_element", "top-k elements"},
	{"distractor_share", "share on the distractor"},
}

var featimpRandomKeys = []struct{ key, what string }{
	{"rank_corr_element", "ρ(trained, randomised), elements"}, {"rank_corr_support", "ρ(trained, randomised), support"},
	{"rank_corr_location", "ρ(trained, randomised), locations"},
	{"random_spearman_lag", "randomised: lag ρ with truth"}, {"random_spearman_support", "randomised: support ρ with truth"},
}

// nested reads m[k1][k2]... as a number (NaN when absent); a key of
// an array is its index.
func nested(m map[string]any, keys ...string) float64 {
	var v any = m
	for _, k := range keys {
		switch c := v.(type) {
		case map[string]any:
			v = c[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(c) {
				return math.NaN()
			}
			v = c[i]
		default:
			return math.NaN()
		}
	}
	f, ok := v.(float64)
	if !ok {
		return math.NaN()
	}
	return f
}

// featimpGroups are the groups of emulator learners.
func featimpGroups(gs []*group) []*group {
	var out []*group
	for _, g := range gs {
		if strings.HasPrefix(g.Learner, "emulator:") {
			out = append(out, g)
		}
	}
	return out
}

// statOf collects a nested metric over a group's seeds (NaN left out).
// writeMethodTable ends a "| method |" header with one column per key,
// then writes a row per method of the median [IQR] of section/method/key.
func writeMethodTable(w io.Writer, g *group, section string, methods []string, keys []struct{ key, what string }) {
	for _, k := range keys {
		fmt.Fprintf(w, " %s |", k.what)
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(keys)))
	for _, meth := range methods {
		fmt.Fprintf(w, "| %s |", meth)
		for _, k := range keys {
			fmt.Fprintf(w, " %s |", medIQR(statOf(g, section, meth, k.key)))
		}
		fmt.Fprintln(w)
	}
}

func statOf(g *group, keys ...string) stat {
	var xs []float64
	for _, r := range g.Results {
		if v := nested(r.Metrics, keys...); !math.IsNaN(v) {
			xs = append(xs, v)
		}
	}
	return newStat(xs)
}

func medIQR(s stat) string {
	switch {
	case s.N == 0:
		return "—"
	case s.N < 2:
		return fmtNum(s.Median)
	}
	return fmt.Sprintf("%s [%s, %s]", fmtNum(s.Median), fmtNum(s.Q1), fmtNum(s.Q3))
}

// writeFeatureImportance prints the study's tables: the emulator, each
// method's agreement with the truth, the randomisation check and
// integrated gradients' completeness.
func writeFeatureImportance(w io.Writer, gs []*group) {
	for _, g := range featimpGroups(gs) {
		r0 := g.Results[0].Metrics
		fmt.Fprintf(w, "### Feature importance: %s on %s (n=%d, %d seeds)\n\n", g.Learner, g.Concept, g.N, len(g.Results))
		fmt.Fprintf(w, "Spec: %s. Study: %s. Median over seeds [IQR].\n\n", compactJSON(r0["spec"]), compactJSON(r0["study"]))
		fmt.Fprintf(w, "Emulator: test relative MSE (hierlearn's import, 64 test examples) %s; PyTorch's own %s; "+
			"max |hierlearn - onnxruntime| / max |onnxruntime| %s; training %s s.\n\n",
			medIQR(statOf(g, "test_rel_mse")), medIQR(statOf(g, "torch", "test_rel_mse_torch")),
			medIQR(statOf(g, "ort_max_rel_diff")), medIQR(statOf(g, "torch", "train_seconds")))
		fmt.Fprintf(w, "Data: the noise-free target exported to ONNX (export.LagField, opset 17) against the generator's noise-free y on 64 test inputs, "+
			"max relative difference: hierlearn's import %s, onnxruntime %s.\n\n",
			medIQR(statOf(g, "data_onnx_native_max_rel_diff")), medIQR(statOf(g, "data_onnx_ort_max_rel_diff")))
		fmt.Fprintf(w, "Agreement with the ground truth: Spearman rank correlation ρ of the importance profiles with the truth's "+
			"(lags: total per lag; distance: mean per distance bin round(|q-p|) from the explained point; locations: total per grid cell; "+
			"elements: every input value; the support: the inputs with nonzero truth, where the ranking within the acting inputs is judged, "+
			"while over all elements the tied zeros of the truth cap ρ), top-k precision (k = the number with nonzero truth), and the share of the total importance "+
			"on the distractor channel (truth 0); each averaged over the explained points. Permutation importance is computed for "+
			"groups (lags, channels, distance rings) only.\n\n| method |")
		writeMethodTable(w, g, "scores", featimpMethods, featimpScoreKeys)
		fmt.Fprintf(w, "\nModel-randomisation check (every weight tensor redrawn from N(0, its trained variance); biases and "+
			"normalisation kept): a method that explains the model must give different maps; ρ near 1 would mean the map "+
			"reflects the architecture or the input, not what was learned.\n\n| method |")
		writeMethodTable(w, g, "randomisation", featimpGradMethods, featimpRandomKeys)
		fmt.Fprintf(w, "\nIntegrated gradients' completeness (zero baseline, midpoint rule): the largest |Σ attributions - (f(x) - f(0))| / |f(x) - f(0)| "+
			"over the checked examples.\n\n| steps | relative gap |\n|---|---|\n")
		for _, st := range featimpIGSteps {
			fmt.Fprintf(w, "| %d | %s |\n", st, medIQR(statOf(g, "ig_completeness", fmt.Sprint(st))))
		}
		fmt.Fprintf(w, "\nSteps needed for a gap within 1%% (the fewest from which every count tried stays within 1%%; -1: none), per seed: %s.\n\n",
			strings.Join(igStepsNeeded(g), ", "))
	}
}

// plotFeatureImportance draws importance against lag and against distance
// (each profile normalised to a maximum of 1, median over seeds with IQR
// bars): the truth and every method.
func plotFeatureImportance(dir string, gs []*group) ([]string, error) {
	var files []string
	for gi, g := range featimpGroups(gs) {
		suffix := ""
		if gi > 0 {
			suffix = fmt.Sprintf("-%d", gi+1)
		}
		for _, axis := range []struct{ key, xlabel, title string }{
			{"lag", "lag (steps before the target time)", "Importance against lag"},
			{"distance", "distance from the explained point (grid cells, rounded)", "Importance against distance"},
		} {
			p := plot.New()
			p.Title.Text = axis.title + " (" + g.Learner + ", normalised to max 1)"
			p.X.Label.Text = axis.xlabel
			p.Y.Label.Text = "importance / its maximum"
			var ss []series
			curves := append(append([]string{"truth"}, featimpMethods...), "saliency"+randomSuffix, "ig"+randomSuffix)
			for i, meth := range curves {
				var pts []point
				for x := 0; ; x++ {
					s := statOf(g, "profiles", meth, axis.key, fmt.Sprint(x))
					if x > 64 || (s.N == 0 && !hasIndex(g, meth, axis.key, x)) {
						break
					}
					if s.N > 0 {
						pts = append(pts, point{float64(x), s})
					}
				}
				if len(pts) == 0 {
					continue
				}
				st := style{color: palette[i%len(palette)], shape: plotutil.Shape(i)}
				ss = append(ss, series{label: meth, st: st, pts: pts})
			}
			lg, err := addSeries(p, ss)
			if err != nil {
				return files, err
			}
			intAxis(&p.X, 0, p.X.Max)
			p.Y.Min = math.Min(0, p.Y.Min)
			f, err := savePlot(dir, "importance-vs-"+axis.key+suffix, p, lg, 6*vg.Inch, 4*vg.Inch)
			if err != nil {
				return files, err
			}
			files = append(files, f)
		}
	}
	return files, nil
}

// hasIndex reports whether some seed's profile has an entry x.
func hasIndex(g *group, meth, key string, x int) bool {
	for _, r := range g.Results {
		prof, _ := r.Metrics["profiles"].(map[string]any)
		m, _ := prof[meth].(map[string]any)
		v, _ := m[key].([]any)
		if x < len(v) {
			return true
		}
	}
	return false
}

// compactJSON renders v on one line.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return "`" + string(b) + "`"
}

// igStepsNeeded is, per seed, the fewest steps of the completeness sweep
// from which every larger count tried has a gap under 1% ("-1": none).
func igStepsNeeded(g *group) []string {
	var out []string
	for _, r := range g.Results {
		need := -1
		for _, st := range featimpIGSteps {
			gap := nested(r.Metrics, "ig_completeness", fmt.Sprint(st))
			switch {
			case !(gap < 0.01):
				need = -1
			case need < 0:
				need = st
			}
		}
		out = append(out, fmt.Sprint(need))
	}
	return out
}
