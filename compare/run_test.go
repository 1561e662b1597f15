package compare

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
)

// fakeRunner returns an error that depends on the learner and n only, and
// counts its calls; "fail" learners fail.
type fakeRunner struct{ calls atomic.Int64 }

func (f *fakeRunner) Run(ctx context.Context, c Cell, d Data) (map[string]any, error) {
	f.calls.Add(1)
	if strings.Contains(c.Learner, "fail") {
		return nil, errors.New("deliberate failure")
	}
	if d.Train.N != c.N || d.Test.N != c.NTest {
		return nil, errors.New("wrong data sizes")
	}
	base := map[string]float64{"hnet:progressive": 1e-4, "hnet:layerwise": 1e-3, "fake:kernel": 0.2}[c.Learner]
	m := map[string]any{"test_rel_mse": base * 1000 / float64(c.N) * (1 + float64(c.Seed)/10)}
	if strings.HasPrefix(c.Learner, "hnet:") {
		m["stages"] = []any{
			map[string]any{"layer": 2.0, "feature_error": map[string]any{"2": base * 10}},
			map[string]any{"layer": 3.0, "feature_error": map[string]any{"2": base * 5, "3": base * 20}},
		}
	}
	return m, nil
}

func testPlan(t *testing.T, learners ...string) Plan {
	t.Helper()
	c := Config{Name: "t", Sweeps: []Sweep{{
		Experiment: "sample-complexity",
		Concepts:   []concept.Spec{{D: 5, Layers: 3}},
		Learners:   learners,
		N:          []int{100, 200},
		Seeds:      []uint64{1, 2},
		NTest:      50,
	}}}
	p, err := c.Plan()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func runners(f *fakeRunner) map[string]Runner {
	return map[string]Runner{"hnet": f, "fake": f}
}

func TestRunResumeAndFailure(t *testing.T) {
	dir := t.TempDir()
	p := testPlan(t, "hnet:progressive", "hnet:layerwise", "fake:kernel", "fake:fail")
	f := &fakeRunner{}
	sum, err := Run(context.Background(), p, dir, Options{Runners: runners(f)})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Total != 16 || sum.Done != 12 || sum.Failed != 4 {
		t.Fatalf("summary %+v, want 16 total, 12 done, 4 failed", sum)
	}
	// A second run computes only the failed cells again.
	f2 := &fakeRunner{}
	sum, err = Run(context.Background(), p, dir, Options{Runners: runners(f2)})
	if err != nil {
		t.Fatal(err)
	}
	if f2.calls.Load() != 4 || sum.Skipped != 12 {
		t.Fatalf("resume ran %d cells (skipped %d), want 4 (12)", f2.calls.Load(), sum.Skipped)
	}
	if err := Report(dir); err != nil {
		t.Fatal(err)
	}
	rep, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	if os.Getenv("HIERLEARN_DUMP") != "" {
		os.CopyFS(os.Getenv("HIERLEARN_DUMP"), os.DirFS(dir))
	}
	for _, want := range []string{"Failed cells", "deliberate failure", "hnet:progressive", "Separation", "10.0x", "Backward feature correction"} {
		if !strings.Contains(string(rep), want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
	for _, png := range []string{"error-vs-n.png", "feature-error.png", "runtime.png"} {
		if st, err := os.Stat(filepath.Join(dir, png)); err != nil || st.Size() < 1000 {
			t.Errorf("plot %s missing or empty: %v", png, err)
		}
	}
}

func TestShardsMergeToSameReport(t *testing.T) {
	p := testPlan(t, "hnet:progressive", "hnet:layerwise", "fake:kernel")
	whole := t.TempDir()
	if _, err := Run(context.Background(), p, whole, Options{Runners: runners(&fakeRunner{})}); err != nil {
		t.Fatal(err)
	}
	if err := Report(whole); err != nil {
		t.Fatal(err)
	}
	var shards []string
	total := 0
	for i := 0; i < 3; i++ {
		d := t.TempDir()
		sum, err := Run(context.Background(), p, d, Options{Shard: i, Shards: 3, Runners: runners(&fakeRunner{})})
		if err != nil {
			t.Fatal(err)
		}
		total += sum.Total
		shards = append(shards, d)
	}
	if total != len(p.Cells) {
		t.Fatalf("shards cover %d cells, plan has %d", total, len(p.Cells))
	}
	merged := t.TempDir()
	if err := Merge(merged, shards...); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(whole, "report.md"))
	b, _ := os.ReadFile(filepath.Join(merged, "report.md"))
	// Wall times differ between runs; compare the reports without them.
	if stripTimes(string(a)) != stripTimes(string(b)) {
		t.Fatalf("merged report differs from unsharded:\n%s\n---\n%s", a, b)
	}
}

// stripTimes drops the wall-time column, the only part that differs
// between two runs of the same deterministic cells.
func stripTimes(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "| ") {
			if i := strings.LastIndex(strings.TrimSuffix(l, " |"), "|"); i > 0 && strings.Contains(s, "wall s") {
				l = l[:i]
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

func TestBadPlans(t *testing.T) {
	for name, c := range map[string]Config{
		"no learners": {Sweeps: []Sweep{{Concepts: []concept.Spec{{}}, N: []int{10}}}},
		"bad concept": {Sweeps: []Sweep{{Concepts: []concept.Spec{{D: -1}}, Learners: []string{"mlp"}, N: []int{10}}}},
		"zero n":      {Sweeps: []Sweep{{Concepts: []concept.Spec{{}}, Learners: []string{"mlp"}, N: []int{0}}}},
	} {
		if _, err := c.Plan(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	p := testPlan(t, "nosuch:learner")
	if _, err := Run(context.Background(), p, t.TempDir(), Options{Runners: map[string]Runner{}}); err == nil || !strings.Contains(err.Error(), "no runner") {
		t.Fatalf("unknown learner family: %v", err)
	}
	if _, err := Run(context.Background(), testPlan(t, "fake:kernel"), t.TempDir(), Options{Shard: 3, Shards: 2, Runners: runners(&fakeRunner{})}); err == nil {
		t.Fatal("shard 3/2 accepted")
	}
}

func TestPresetsExpand(t *testing.T) {
	for _, name := range Presets() {
		p, err := Preset(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(p.Cells) == 0 {
			t.Fatalf("%s: no cells", name)
		}
	}
	if _, err := Preset("nope"); err == nil {
		t.Fatal("unknown preset accepted")
	}
}

// TestReportDegenerateData: one n, one stage and equal feature errors (an
// L=2 concept, where progressive and layerwise training coincide) used to
// crash the plot library; the report must be written.
func TestReportDegenerateData(t *testing.T) {
	dir := t.TempDir()
	st, err := openStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"hnet:progressive", "hnet:layerwise"} {
		c := Cell{Experiment: "depth", Learner: l, Concept: concept.Spec{D: 5, Layers: 2}, N: 100, NTest: 10, Seed: 1}
		m := map[string]any{"test_rel_mse": 0.01, "stages": []any{
			map[string]any{"layer": 2.0, "feature_error": map[string]any{"2": 0.003}}}}
		if err := st.add(Result{Key: c.Key(), Cell: c, Metrics: m}); err != nil {
			t.Fatal(err)
		}
	}
	st.close()
	if err := Report(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "feature-error.png")); err != nil {
		t.Fatal(err)
	}
}
