package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/internal/testutil"
)

func TestBenchKernelSklearn(t *testing.T) {
	testutil.Python(t, "numpy", "sklearn")
	out := filepath.Join(t.TempDir(), "bench.json")
	stdout, err := runCLI(t, "bench", "kernel", "--n", "300", "--d", "5", "--n-test", "40", "-o", out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "ratio") || !strings.Contains(stdout, "target: ratio <= 0.6") {
		t.Errorf("output lacks the ratio:\n%s", stdout)
	}
	var rep struct {
		Rows []struct {
			N          int     `json:"n"`
			Ours       float64 `json:"ours_s"`
			Sklearn    float64 `json:"sklearn_s"`
			MaxRelDiff float64 `json:"max_rel_diff"`
		} `json:"rows"`
		Version string `json:"version"`
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 1 || rep.Rows[0].N != 300 || rep.Rows[0].Ours <= 0 || rep.Rows[0].Sklearn <= 0 || rep.Version == "" {
		t.Fatalf("report %s", b)
	}
	// Same data, same kernel and ridge: the predictions agree.
	if d := rep.Rows[0].MaxRelDiff; d > 1e-8 {
		t.Errorf("predictions differ from scikit-learn's by %g", d)
	}
}

func TestBenchKernelConcept(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sweep.json")
	stdout, err := runCLI(t, "bench", "kernel", "--suite", "concept", "--concept-n", "300", "--n-test", "200", "--kernels", "poly:2,comp,rf-relu:64", "-o", out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Concept map[string]any `json:"concept"`
		Rows    []struct {
			Kernel string  `json:"kernel"`
			RelMSE float64 `json:"test_rel_mse"`
		} `json:"rows"`
		Seed    uint64 `json:"seed"`
		Version string `json:"version"`
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 3 || rep.Version == "" || rep.Concept["d"] != 20.0 || rep.Seed != 1 {
		t.Errorf("report %s", b)
	}
	for _, r := range rep.Rows {
		// A sane range: positive and not above chance (1) by much.
		if !(r.RelMSE > 0 && r.RelMSE < 1.2) {
			t.Errorf("%s: test rel MSE %g", r.Kernel, r.RelMSE)
		}
	}
	for _, want := range []string{"poly:2", "comp", "rf-relu:64", "test_rel"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "error") {
		t.Errorf("a kernel failed:\n%s", stdout)
	}
	if _, err := runCLI(t, "bench", "kernel", "--suite", "fast"); err == nil || !strings.Contains(err.Error(), "--suite") {
		t.Errorf("bad suite: err = %v", err)
	}
}
