package compare

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/internal/testutil"
)

// featimpORTTol bounds the emulator's disagreement with onnxruntime
// (measured 5e-7 in internal/crosscheck).
const featimpORTTol = 1e-5

// TestFeatureImportanceStudy runs the study at a small scale (8x8 grid, 3
// lags, one epoch, 2 explained examples; about a minute on 2 cores) and
// checks that the report holds every method's agreement with the truth,
// the randomisation check, integrated gradients' completeness and both
// plots. The preset itself (16x16, 8 epochs, 3 seeds) runs with
// HIERLEARN_LONG=1.
func TestFeatureImportanceStudy(t *testing.T) {
	testutil.Python(t, "torch", "onnx")
	testutil.Node(t)
	p, err := Preset("feature-importance")
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("HIERLEARN_LONG") != "1" {
		opts := map[string]any{"grid": 8.0, "lags": 3.0, "epochs": 2.0, "explain": 2.0, "targets": 2.0, "occlude": 1.0,
			"permute": 48.0, "ig_steps": 16.0, "smooth_samples": 4.0, "ig_check": 1.0}
		c := p.Cells[0]
		c.N, c.NTest, c.Options = 400, 64, opts
		p.Cells = p.Cells[:1]
		p.Cells[0] = c
	}
	dir := t.TempDir()
	sum, err := Run(context.Background(), p, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed > 0 {
		rs, _ := ReadResults(filepath.Join(dir, ResultsFile))
		for _, r := range rs {
			t.Log(r.Error)
		}
		t.Fatalf("%d cells failed", sum.Failed)
	}
	if err := Report(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	report := string(b)
	t.Log(report)
	for _, want := range []string{"Agreement with the ground truth", "| saliency |", "| permutation |", "| occlusion |",
		"Model-randomisation check", "completeness", "importance-vs-lag.png", "importance-vs-distance.png"} {
		if !strings.Contains(report, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	for _, f := range []string{"importance-vs-lag.png", "importance-vs-distance.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	rs, err := ReadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if d := nested(r.Metrics, "ort_max_rel_diff"); !(d <= featimpORTTol) {
			t.Errorf("seed %d: hierlearn and onnxruntime differ by %g", r.Cell.Seed, d)
		}
		for _, k := range []string{"data_onnx_native_max_rel_diff", "data_onnx_ort_max_rel_diff"} {
			if d := nested(r.Metrics, k); !(d <= featimpORTTol) {
				t.Errorf("seed %d: %s = %g", r.Cell.Seed, k, d)
			}
		}
		if g := nested(r.Metrics, "ig_completeness", "128"); !(g < 0.01) {
			t.Errorf("seed %d: integrated gradients at 128 steps miss completeness by %g", r.Cell.Seed, g)
		}
		for _, m := range featimpMethods {
			if v := nested(r.Metrics, "scores", m, "spearman_lag"); math.IsNaN(v) {
				t.Errorf("seed %d: no lag score for %s", r.Cell.Seed, m)
			}
		}
	}
}
