package train

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/internal/testutil"
)

func ptr(v float64) *float64 { return &v }

func TestQuantile(t *testing.T) {
	xs := []float64{4, 1, 3, 2}
	for _, c := range []struct{ q, want float64 }{{0, 1}, {0.25, 1.75}, {0.5, 2.5}, {0.75, 3.25}, {1, 4}} {
		if got := Quantile(xs, c.q); got != c.want {
			t.Errorf("Quantile(%v, %v) = %v, want %v", xs, c.q, got, c.want)
		}
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Error("Quantile of no values is not NaN")
	}
	if xs[0] != 4 {
		t.Error("Quantile sorted its argument")
	}
}

// TestSeparationTableGolden renders a report built by hand (two seeds,
// numbers chosen so that each check has a known verdict) and compares the
// text with testdata/train/bfc-table.golden (go test -update rewrites it).
func TestSeparationTableGolden(t *testing.T) {
	sc := SeparationConfig{D: 20, Depths: []int{3}, Width: 3, N: 10000, NTest: 10000, Seeds: []uint64{1, 2},
		Modes: []string{ModeProgressive, ModeLayerwise}, MLP: true, StepsPerStage: 4000, DType: "float32"}
	rep := &SeparationReport{Config: sc}
	add := func(name string, seed uint64, rel, e2, e3, secs float64) {
		fe := FeatureErrors{}
		if name != LearnerMLP {
			fe[2], fe[3] = e2, e3
		}
		m := Metrics{TestRelMSE: ptr(rel), FeatureError: fe, TrainSeconds: secs}
		if name != LearnerMLP { // stage 2 then stage 3; e_2 was 0.01 after stage 2
			m.Stages = []StageMetrics{{Layer: 2, FeatureError: FeatureErrors{2: 0.01}}, {Layer: 3, FeatureError: fe}}
		}
		rep.Runs = append(rep.Runs, SeparationRun{Depth: 3, Seed: seed, Learner: name, Metrics: m})
	}
	add(ModeProgressive, 1, 2e-4, 1e-3, 0.03, 1)
	add(ModeProgressive, 2, 4e-4, 3e-3, 0.05, 3)
	add(ModeLayerwise, 1, 1e-2, 1e-2, 0.2, 1)
	add(ModeLayerwise, 2, 2e-2, 1e-2, 0.3, 1)
	add(LearnerMLP, 1, 0.01, 0, 0, 100)
	add(LearnerMLP, 2, 0.01, 0, 0, 120)
	rep.Checks = rep.checks(3)
	// Medians: progressive 3e-4 (pass), worst seed 4e-4 (pass),
	// layerwise 1.5e-2 = 50x (pass), e_2 1e-2 / 2e-3 = 5x (fail), MLP
	// 1e-2 = 33x (fail).
	want := []bool{true, true, true, false, false}
	if len(rep.Checks) != len(want) {
		t.Fatalf("%d checks", len(rep.Checks))
	}
	for i, c := range rep.Checks {
		if c.Pass != want[i] {
			t.Errorf("check %q = %v (value %v), want %v", c.Claim, c.Pass, c.Value, want[i])
		}
	}
	if !rep.Failed() {
		t.Error("Failed() = false with failing checks")
	}
	var buf bytes.Buffer
	rep.Table(&buf)
	golden := filepath.Join("..", "testdata", "train", "bfc-table.golden")
	if testutil.Update() {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	g, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g, buf.Bytes()) {
		t.Errorf("table differs from %s:\n%s\nwant:\n%s", golden, buf.Bytes(), g)
	}
}

func TestKernelAtDepth(t *testing.T) {
	for _, c := range []struct {
		k    string
		L    int
		want string
	}{{"comp", 4, "comp:4"}, {"comp", 5, "comp:5"}, {"comp:3", 5, "comp:3"}, {"poly:4", 5, "poly:4"}} {
		if got := kernelAtDepth(c.k, c.L); got != c.want {
			t.Errorf("kernelAtDepth(%q, %d) = %q, want %q", c.k, c.L, got, c.want)
		}
	}
}
