package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/internal/testutil"
)

func TestBenchTrainSmall(t *testing.T) {
	testutil.Python(t, "torch", "numpy")
	out := filepath.Join(t.TempDir(), "bench.json")
	stdout, err := runCLI(t, "bench", "train", "--n", "2000", "--steps-per-stage", "30", "--batch", "64", "-o", out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go (native):", "torch:", "ratio go/torch:", "heap allocations/step"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	var rep map[string]any
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"go_seconds", "torch_seconds", "ratio", "version"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
	// The two implementations of the same training (different random
	// streams) end close to each other.
	if g, p := rep["go_test_rel_mse"].(float64), rep["torch_test_rel_mse"].(float64); !(g < 2*p && p < 2*g) {
		t.Errorf("rel MSE go %v torch %v after 60 steps", g, p)
	}
}

// TestBenchBFCSmall runs bench bfc on a configuration too small for its
// claims (40 steps per stage): it prints the table and the FAIL lines,
// writes the report, and exits non-zero.
func TestBenchBFCSmall(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bfc.json")
	stdout, stderr, code := runMain(t, "--quiet", "bench", "bfc", "--d", "6", "--depths", "3", "--n", "500", "--n-test", "500",
		"--seeds", "1,2", "--modes", "progressive,layerwise", "--recipe", "fixed", "--steps-per-stage", "40", "--mlp=false", "--kernels", "poly:2", "-o", out)
	if code == 0 {
		t.Errorf("bench bfc exits 0 with failing claims:\n%s", stdout)
	}
	if !strings.Contains(stderr, "claims failed") {
		t.Errorf("stderr does not name the failed claims: %q", stderr)
	}
	for _, want := range []string{"| progressive |", "| layerwise |", "FAIL  L=3  progressive median test rel MSE <= 1e-3", "recipe fixed, 40 steps a stage", "| kernel:poly:2 |", "best kernel median / progressive median >= 100"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	var rep struct {
		Runs []json.RawMessage `json:"runs"`
	}
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.Runs) != 6 {
		t.Fatalf("report: %d runs, err %v", len(rep.Runs), err)
	}
}

// TestBenchTrainPlateau runs the plateau recipe on both sides (the
// PyTorch one in tools/hnet_ref.py) and checks the steps PyTorch ran; the
// errors after so few steps are only checked to be finite (2.4 and 2.6
// measured).
func TestBenchTrainPlateau(t *testing.T) {
	testutil.Python(t, "torch", "numpy")
	out := filepath.Join(t.TempDir(), "bench.json")
	if _, err := runCLI(t, "bench", "train", "--n", "1000", "--batch", "64", "--recipe", "plateau", "--cycle", "20",
		"--step-cap", "60", "--restarts", "2", "-o", out); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		GoRel    float64 `json:"go_test_rel_mse"`
		TorchRel float64 `json:"torch_test_rel_mse"`
		Torch    struct {
			Steps int `json:"steps"`
		} `json:"torch"`
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	// Two stages of 2 candidates x 20 steps, then at most one cycle of 40
	// (the cap is 60): 40..80 steps each.
	if rep.Torch.Steps < 80 || rep.Torch.Steps > 160 {
		t.Errorf("torch ran %d steps, want 80..160", rep.Torch.Steps)
	}
	if !(rep.GoRel > 0 && rep.GoRel < 10 && rep.TorchRel > 0 && rep.TorchRel < 10) {
		t.Errorf("rel MSE go %v torch %v", rep.GoRel, rep.TorchRel)
	}
}
