package compare

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
)

// scalingResults are synthetic results whose test error is
// c d^a / n times a seed factor: n* then grows like d^a.
func scalingResults(learners map[string]float64, ds, ns []int, seeds int) []Result {
	var rs []Result
	for l, a := range learners {
		for _, d := range ds {
			for _, n := range ns {
				for s := 1; s <= seeds; s++ {
					c := Cell{Experiment: "scaling", Learner: l, Concept: fillSpec(concept.Spec{D: d, Layers: 3}), N: n, NTest: 100, Seed: uint64(s)}
					e := 10 * math.Pow(float64(d), a) / float64(n) * (0.8 + 0.1*float64(s%5))
					m := map[string]any{"test_rel_mse": e}
					if strings.HasPrefix(l, "hnet:") {
						m["stages"] = []any{
							map[string]any{"layer": 2.0, "feature_error": map[string]any{"2": e * 10}},
							map[string]any{"layer": 3.0, "feature_error": map[string]any{"2": e * 3, "3": e * 30}},
						}
					}
					rs = append(rs, Result{Key: c.Key(), Cell: c, Metrics: m, Seconds: float64(n) / 1000})
				}
			}
		}
	}
	return rs
}

func TestScalingSlopes(t *testing.T) {
	ds := []int{10, 20, 40, 80, 160}
	var ns []int
	for n := 100; n <= 1e8; n *= 2 {
		ns = append(ns, n)
	}
	rs := scalingResults(map[string]float64{"hnet:progressive": 1, "kernel:poly:4": 2}, ds, ns, 10)
	for _, th := range scalingThresholds {
		fits := scalingFits(groups(rs), th)
		if len(fits) != 2 {
			t.Fatalf("threshold %g: %d fits, want 2", th, len(fits))
		}
		for _, f := range fits {
			want := map[string]float64{"hnet:progressive": 1, "kernel:poly:4": 2}[f.Learner]
			// n* is on a grid of factor 2: the slope is within log(2)/log(16) of a.
			if math.Abs(f.Slope-want) > 0.25 || !(f.CILo <= f.Slope && f.Slope <= f.CIHi) {
				t.Errorf("%s at %g: slope %v (CI %v..%v), want about %v", f.Learner, th, f.Slope, f.CILo, f.CIHi, want)
			}
		}
	}
	if s := logSlope([]int{1, 10}, []float64{5, math.NaN()}); !math.IsNaN(s) {
		t.Errorf("slope from one point: %v", s)
	}
}

// TestReportPlotsAndScaling writes a report with every plot from
// synthetic results (HIERLEARN_DUMP=dir keeps them for a look).
func TestReportPlotsAndScaling(t *testing.T) {
	dir := t.TempDir()
	rs := scalingResults(map[string]float64{"hnet:progressive": 1, "hnet:layerwise": 1.2, "kernel:poly:4": 2}, []int{10, 20, 40}, []int{1000, 2000, 5000, 10000, 20000, 50000}, 5)
	rs = append(rs, scalingResults(map[string]float64{"hnet:bfc-0": 1.5, "hnet:bfc-1": 1.2, "hnet:bfc-2": 1, "mlp": 2.5}, []int{20}, []int{10000}, 5)...)
	st, err := openStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := st.add(r); err != nil {
			t.Fatal(err)
		}
	}
	st.close()
	if err := Report(dir); err != nil {
		t.Fatal(err)
	}
	if d := os.Getenv("HIERLEARN_DUMP"); d != "" {
		os.CopyFS(d, os.DirFS(dir))
	}
	rep, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	for _, want := range []string{"Sample complexity", "slope", "95% CI", "scaling-0.01.png", "layers-progressive.png", "backward-depth"} {
		if !strings.Contains(string(rep), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, f := range []string{"scaling-0.01", "error-vs-n", "feature-error", "layers-progressive", "runtime", "error-vs-n-2", "backward-depth-2"} {
		for _, ext := range []string{".png", ".svg"} {
			if st, err := os.Stat(filepath.Join(dir, f+ext)); err != nil || st.Size() < 1000 {
				t.Errorf("plot %s%s missing or empty: %v", f, ext, err)
			}
		}
	}
}

func TestLogTicksLabelThePartialDecade(t *testing.T) {
	for _, tc := range []struct {
		min, max float64
		want     []string
	}{
		{0.012, 0.8, []string{"0.02", "0.05", "0.1", "0.2", "0.5"}},
		{1e-5, 1, []string{"1e-05", "0.0001", "0.001", "0.01", "0.1", "1"}},
		{0.3, 0.6, []string{"0.3", "0.4", "0.5", "0.6"}},
	} {
		var got []string
		for _, tk := range (logTicks{}).Ticks(tc.min, tc.max) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("ticks on [%v, %v]: labels %v, want %v", tc.min, tc.max, got, tc.want)
		}
	}
}
