package compare

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
)

func TestParseDeepnet(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want deepnetLearner
		ok   bool
	}{
		{"deepnet:ntk:2x1024", deepnetLearner{"ntk", 2, 1024, 1}, true},
		{"deepnet:mean-field:3x64:a0.1", deepnetLearner{"mean-field", 3, 64, 0.1}, true},
		{"deepnet:ntk", deepnetLearner{}, false},
		{"deepnet:ntk:2-64", deepnetLearner{}, false},
		{"deepnet:ntk:2x64:0.1", deepnetLearner{}, false},
		{"deepnet:ntk:2x64:a1:b", deepnetLearner{}, false},
		{"mlp:ntk:2x64", deepnetLearner{}, false},
	} {
		got, err := parseDeepnet(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
	// A bad parameterisation or option is refused by the config.
	for _, c := range []Cell{
		{Learner: "deepnet:mup:2x64"},
		{Learner: "deepnet:ntk:9x64"},
		{Learner: "deepnet:ntk:2x64", Options: map[string]any{"lr": "fast"}},
	} {
		if _, err := deepnetConfig(c); err == nil {
			t.Errorf("%s %v: no error", c.Learner, c.Options)
		}
	}
}

// TestDeepnetPresets: the issue 17 presets expand to valid plans of
// deepnet and kernel cells on relu-teacher concepts.
func TestDeepnetPresets(t *testing.T) {
	for name, cells := range map[string]int{"overparam": 10*5 + 4*3 + 10*10, "lazy": 8 * 5, "relu-teacher": 3 * 4 * 5 * 3} {
		p, err := Preset(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(p.Cells) != cells {
			t.Errorf("%s: %d cells, want %d", name, len(p.Cells), cells)
		}
		for _, c := range p.Cells {
			if c.Concept.Family != concept.FamilyReLU {
				t.Fatalf("%s: cell %s on family %q", name, c, c.Concept.Family)
			}
			if c.Family() == "deepnet" {
				if _, err := deepnetConfig(c); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
		}
	}
}

// sweepResults are synthetic deepnet results: relative change c w^-0.5,
// NTK movement c w^-1, times a seed factor, a rate whose gap to the
// infinite-width rate is gap(w) (times 1 + spread (s - 3) for seed s) and
// to the linearised rate 1/w, at every width of ws.
func sweepResults(ws []int, seeds int, gap func(w float64) float64, spread float64) []Result {
	var rs []Result
	spec := fillSpec(concept.Spec{Family: concept.FamilyReLU, D: 10, Layers: 2, Widths: []int{8, 8}})
	for _, w := range ws {
		for s := 1; s <= seeds; s++ {
			l := deepnetLearners("ntk", 2, []int{w}, nil)[0]
			c := Cell{Experiment: "overparam", Learner: l, Concept: spec, N: 128, NTest: 100, Seed: uint64(s)}
			f := 0.8 + 0.1*float64(s%5)
			x := float64(w)
			m := map[string]any{"rel_change_all": 3 * f / math.Sqrt(x), "rel_change": []any{2 * f / math.Sqrt(x), 1.0},
				"ntk_move": 5 * f / x, "pattern_change": f / math.Sqrt(x), "conv_rate": 0.002 * f, "test_rel_mse": 0.5,
				"inf_conv_rate": 0.002 * f / (1 - gap(x)*(1+spread*float64(s-3))), "lin_conv_rate": 0.002 * f / (1 - 1/x)}
			rs = append(rs, Result{Key: c.Key(), Cell: c, Metrics: m, Seconds: 1})
		}
	}
	return rs
}

func TestWidthSlopes(t *testing.T) {
	rs := sweepResults([]int{64, 256, 1024, 4096}, 5, func(w float64) float64 { return 1 / math.Sqrt(w) }, 0)
	fams := deepnetFamilies(groups(rs), true, widthMetrics)
	if len(fams) != 1 || len(fams[0].X) != 4 {
		t.Fatalf("%d families, want one of 4 widths", len(fams))
	}
	for key, want := range map[string]float64{"rel_change_all": -0.5, "rel_change.0": -0.5, "ntk_move": -1, "pattern_change": -0.5, "conv_rate": 0,
		"inf_rate_gap": -0.5, "lin_rate_gap": -1} {
		s, lo, hi := fams[0].slope(key, overparamFitFrom)
		if math.Abs(s-want) > 1e-9 || !(lo <= s && s <= hi) {
			t.Errorf("%s: slope %v (CI %v..%v), want %v", key, s, lo, hi, want)
		}
	}
	// The gap 1/sqrt(w) is 1.6% at 4096 (3.1% at 1024): the rate
	// stabilises, also with seeds 0.6 to 1.4 times that. A gap that
	// shrinks but stays above 5% approaches; so does one whose median is
	// below 5% at the two largest widths (4.7% at 1024) when its seeds
	// spread to 1.6 times that; a constant one shows nothing.
	for _, tc := range []struct {
		gap    func(float64) float64
		spread float64
		want   string
	}{
		{func(w float64) float64 { return 1 / math.Sqrt(w) }, 0, rateStable},
		{func(w float64) float64 { return 1 / math.Sqrt(w) }, 0.2, rateStable},
		{func(w float64) float64 { return 1.5 / math.Sqrt(w) }, 0.3, rateApproaching},
		{func(w float64) float64 { return 0.05 + 1/w }, 0, rateApproaching},
		{func(float64) float64 { return 0.06 }, 0, rateNotShown},
		{func(float64) float64 { return 0.01 }, 0, rateNotShown},
	} {
		fam := deepnetFamilies(groups(sweepResults([]int{64, 256, 1024, 4096}, 5, tc.gap, tc.spread)), true, widthMetrics)[0]
		if got, why := fam.rateStabilises(); got != tc.want {
			t.Errorf("gap %v at 4096 (spread %v): %q (%s), want %q", tc.gap(4096), tc.spread, got, why, tc.want)
		}
	}
	// The alpha families hold none of these (one alpha).
	if fams := deepnetFamilies(groups(rs), false, alphaMetrics); len(fams) != 0 {
		t.Errorf("%d alpha families, want 0", len(fams))
	}
}

// TestDeepnetReport runs a tiny width sweep through the real runner and
// checks the report's sections and plots.
func TestDeepnetReport(t *testing.T) {
	spec := concept.Spec{Family: concept.FamilyReLU, D: 4, Layers: 1, Widths: []int{2}}
	spec5 := concept.Spec{Family: concept.FamilyReLU, D: 5, Layers: 1, Widths: []int{2}}
	cfg := Config{Name: "tiny", Sweeps: []Sweep{
		{Experiment: "overparam", Concepts: []concept.Spec{spec}, Learners: deepnetLearners("ntk", 2, []int{16, 32}, nil),
			N: []int{32}, Seeds: []uint64{1, 2}, NTest: 50, Options: map[string]any{"steps": 50.0}},
		// The same sweep on another concept has plots of its own.
		{Experiment: "overparam", Concepts: []concept.Spec{spec5}, Learners: deepnetLearners("ntk", 2, []int{16, 32}, nil),
			N: []int{32}, Seeds: []uint64{1}, NTest: 50, Options: map[string]any{"steps": 50.0}},
		{Experiment: "lazy", Concepts: []concept.Spec{spec}, Learners: deepnetLearners("ntk", 2, []int{16}, []float64{0.1, 10}),
			N: []int{32}, Seeds: []uint64{1}, NTest: 50, Options: map[string]any{"steps": 50.0, "center": true, "krr": true}},
	}}
	p, err := cfg.Plan()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum, err := Run(context.Background(), p, dir, Options{})
	if err != nil || sum.Failed > 0 {
		t.Fatalf("run: %+v, %v", sum, err)
	}
	if err := Report(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### deepnet:ntk:2xW:a1 against width", "### deepnet:ntk:2x16 against the output scale alpha",
		"movement-overparam-ntk-2xW-a1.png", "lazy-error-lazy-ntk-2x16.png", "distance to the linearised network", "| infinite-width rate |"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, f := range []string{"movement-overparam-ntk-2xW-a1.png", "rate-overparam-ntk-2xW-a1.png", "rate-gap-overparam-ntk-2xW-a1.png", "lazy-movement-lazy-ntk-2x16.png",
		"movement-overparam-ntk-2xW-a1-d5.png", "rate-overparam-ntk-2xW-a1-d5.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("plot: %v", err)
		}
	}
}
