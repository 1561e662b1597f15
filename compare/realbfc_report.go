package compare

import (
	"fmt"
	"io"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// stagedGroups are the groups of staged learners, e2e first, then
// layerwise, progressive and bfc-K by K.
func stagedGroups(gs []*group) []*group {
	var out []*group
	for _, g := range gs {
		if strings.HasPrefix(g.Learner, "staged:") {
			out = append(out, g)
		}
	}
	rank := func(l string) string {
		switch l {
		case "staged:e2e":
			return "0"
		case "staged:layerwise":
			return "1"
		case "staged:progressive":
			return "2"
		}
		return "3" + l
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && rank(out[j].Learner) < rank(out[j-1].Learner); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// stagedStageCount is the largest number of stages among the groups'
// results.
func stagedStageCount(gs []*group) int {
	n := 0
	for _, g := range gs {
		for _, r := range g.Results {
			if st, ok := r.Metrics["stages"].([]any); ok {
				n = max(n, len(st))
			}
		}
	}
	return n
}

// writeRealBFC prints the real-bfc tables: test accuracy after each stage
// per mode, the movement of each lower stage's features after its own
// stage, the conjugate kernels, and the agreement with onnxruntime.
func writeRealBFC(w io.Writer, gs []*group) {
	sg := stagedGroups(gs)
	if len(sg) == 0 {
		return
	}
	S := stagedStageCount(sg)
	r0 := sg[0].Results[0]
	fmt.Fprintf(w, "### Staged training of an imported ResNet on %s (n=%d, %d test images)\n\n", sg[0].Concept, r0.Cell.N, r0.Cell.NTest)
	fmt.Fprintf(w, "Configuration: %s. Every number is the median over seeds [Q1, Q3]; seeds per mode: %s.\n\n",
		compactJSON(r0.Metrics["config"]), stagedSeeds(sg))
	fmt.Fprintf(w, "Test accuracy after each stage: in the staged modes the output of the stage's own head (the network's "+
		"output at the last stage); in e2e the network's output after as many epochs (the whole network trains in every "+
		"stage). Conjugate kernel: linear kernel ridge on the trained network's penultimate features (ridge chosen on "+
		"validation data), test accuracy.\n\n| mode |")
	for s := 1; s <= S; s++ {
		fmt.Fprintf(w, " stage %d |", s)
	}
	fmt.Fprintf(w, " conjugate kernel | CPU s | wall s |\n|---|%s---|---|---|\n", strings.Repeat("---|", S))
	for _, g := range sg {
		fmt.Fprintf(w, "| %s |", strings.TrimPrefix(g.Learner, "staged:"))
		for s := 0; s < S; s++ {
			fmt.Fprintf(w, " %s |", medIQR(statOf(g, "stages", fmt.Sprint(s), "test_accuracy")))
		}
		fmt.Fprintf(w, " %s | %s | %s |\n", medIQR(statOf(g, "ck", "test_accuracy")), medIQR(statOf(g, "cpu_seconds")), medIQR(g.secondsStat()))
	}
	fmt.Fprintf(w, "\nHow far each lower stage's features move after its own stage: linear CKA between the stage's output "+
		"(flattened) at the end of its own stage (e2e: after as many epochs) and at the end of training, on held-out test "+
		"images (1: the same up to rotation and scale), and the feature error e = min over (A, c) of ||A S + c - S*||² / ||S*||² "+
		"of the stage's channel means at the end of its stage (S*) fitted by those at the end of training (S). Layerwise "+
		"training freezes a finished stage, BatchNormalization statistics included: CKA 1 and e 0 there are the control.\n\n| mode |")
	for s := 1; s < S; s++ {
		fmt.Fprintf(w, " CKA stage %d |", s)
	}
	for s := 1; s < S; s++ {
		fmt.Fprintf(w, " e stage %d |", s)
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", 2*(S-1)))
	for _, g := range sg {
		fmt.Fprintf(w, "| %s |", strings.TrimPrefix(g.Learner, "staged:"))
		for s := 1; s < S; s++ {
			fmt.Fprintf(w, " %s |", medIQR(statOf(g, "cka", fmt.Sprintf("stage%d", s))))
		}
		for s := 1; s < S; s++ {
			fmt.Fprintf(w, " %s |", medIQR(statOf(g, "feature_error", fmt.Sprintf("stage%d", s))))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nTrained models against onnxruntime (max |hierlearn - onnxruntime| / max |onnxruntime| of the logits on %d test images): %s.\n\n",
		int(nested(r0.Metrics, "config", "ort_check")), stagedORTRange(sg))
	writeStagedVerdict(w, sg, S)
}

// stagedSeeds lists the seed count of every mode.
func stagedSeeds(sg []*group) string {
	var parts []string
	for _, g := range sg {
		parts = append(parts, fmt.Sprintf("%s %d", strings.TrimPrefix(g.Learner, "staged:"), len(g.Results)))
	}
	return strings.Join(parts, ", ")
}

// stagedORTRange is the largest onnxruntime difference over all results.
func stagedORTRange(sg []*group) string {
	worst, n := 0.0, 0
	for _, g := range sg {
		for _, r := range g.Results {
			if v := nested(r.Metrics, "onnx_ort_max_rel_diff"); !math.IsNaN(v) {
				worst, n = math.Max(worst, v), n+1
			}
		}
	}
	if n == 0 {
		return "not checked"
	}
	return fmt.Sprintf("at most %s over %d models", fmtNum(worst), n)
}

// writeStagedVerdict states what the medians show: the final accuracy of
// progressive against layerwise training, and whether the lower stages'
// features moved under progressive training while layerwise kept them.
func writeStagedVerdict(w io.Writer, sg []*group, S int) {
	by := map[string]*group{}
	for _, g := range sg {
		by[strings.TrimPrefix(g.Learner, "staged:")] = g
	}
	p, l := by["progressive"], by["layerwise"]
	if p == nil || l == nil || S < 2 {
		return
	}
	last := fmt.Sprint(S - 1)
	pa, la := statOf(p, "stages", last, "test_accuracy"), statOf(l, "stages", last, "test_accuracy")
	fmt.Fprintf(w, "Final test accuracy, progressive %s against layerwise %s (medians: %+.2f points)", fmtNum(pa.Median), fmtNum(la.Median), 100*(pa.Median-la.Median))
	if e := by["e2e"]; e != nil {
		fmt.Fprintf(w, "; end to end %s", fmtNum(statOf(e, "stages", last, "test_accuracy").Median))
	}
	fmt.Fprintf(w, ". Stage-1 features after the higher stages trained: CKA %s under progressive training, %s layerwise.\n\n",
		fmtNum(statOf(p, "cka", "stage1").Median), fmtNum(statOf(l, "cka", "stage1").Median))
}

// plotRealBFC draws test accuracy against stage per mode and the CKA of
// each lower stage per mode (medians over seeds, IQR bars).
func plotRealBFC(dir string, gs []*group) ([]string, error) {
	sg := stagedGroups(gs)
	if len(sg) == 0 {
		return nil, nil
	}
	S := stagedStageCount(sg)
	var files []string
	for _, fig := range []struct {
		name, title, ylabel, section, key string
		stages                            int
	}{
		{"real-bfc-accuracy", "Test accuracy after each stage", "test accuracy (median, IQR)", "stages", "test_accuracy", S},
		{"real-bfc-cka", "Lower stages' features: end of own stage vs end of training", "linear CKA (median, IQR)", "cka", "", S - 1},
	} {
		if fig.stages < 1 {
			continue
		}
		p := plot.New()
		p.Title.Text = fig.title
		p.X.Label.Text = "stage"
		p.Y.Label.Text = fig.ylabel
		var ss []series
		for i, g := range sg {
			var pts []point
			for s := 0; s < fig.stages; s++ {
				var st stat
				if fig.section == "stages" {
					st = statOf(g, "stages", fmt.Sprint(s), fig.key)
				} else {
					st = statOf(g, "cka", fmt.Sprintf("stage%d", s+1))
				}
				if st.N > 0 {
					pts = append(pts, point{float64(s + 1), st})
				}
			}
			if len(pts) > 0 {
				st := style{color: palette[i%len(palette)], shape: plotutil.Shape(i)}
				ss = append(ss, series{label: strings.TrimPrefix(g.Learner, "staged:"), st: st, pts: pts})
			}
		}
		if len(ss) == 0 {
			continue
		}
		lg, err := addSeries(p, ss)
		if err != nil {
			return files, err
		}
		intAxis(&p.X, 1, float64(fig.stages))
		f, err := savePlot(dir, fig.name, p, lg, 6*vg.Inch, 4*vg.Inch)
		if err != nil {
			return files, err
		}
		files = append(files, f)
	}
	return files, nil
}
