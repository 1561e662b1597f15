package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

func TestBenchGradSmoke(t *testing.T) {
	if _, err := runCLI(t, "bench", "grad", "--repeat", "0"); err == nil {
		t.Error("--repeat 0: no error")
	}
	testutil.Python(t, "torch", "torchvision", "onnx")
	js := filepath.Join(t.TempDir(), "bench.json")
	out, err := runCLI(t, "bench", "grad", "--models", "resnet20a", "--warmup", "0", "--repeat", "1", "--json", js)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "resnet20a") || !strings.Contains(out, "ratio") {
		t.Errorf("output:\n%s", out)
	}
	var rep struct {
		Rows []struct {
			GoS, TorchS float64 `json:"-"`
			Ratio       float64 `json:"ratio"`
		} `json:"rows"`
		Version string `json:"version"`
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.Rows) != 1 || !(rep.Rows[0].Ratio > 0) || rep.Version == "" {
		t.Errorf("report %s: %v", b, err)
	}
}

// TestBenchFitSmoke times 2 steps of batch 8 and checks the report and
// --max-ratio.
func TestBenchFitSmoke(t *testing.T) {
	if _, err := runCLI(t, "bench", "fit", "--batch", "0"); err == nil {
		t.Error("--batch 0: no error")
	}
	testutil.Python(t, "torch", "torchvision", "onnx")
	testutil.File(t, filepath.Join(concept.FashionMNISTDir(), "train-images-idx3-ubyte.gz"), "Fashion-MNIST (dataset-fashion-mnist)")
	js := filepath.Join(t.TempDir(), "bench.json")
	out, err := runCLI(t, "bench", "fit", "--steps", "2", "--batch", "8", "--json", js, "--max-ratio", "1e-9")
	if err == nil || !strings.Contains(err.Error(), "max-ratio") {
		t.Errorf("--max-ratio 1e-9: err %v", err)
	}
	if !strings.Contains(out, "per epoch") || !strings.Contains(out, "ratio") {
		t.Errorf("output:\n%s", out)
	}
	var rep struct {
		Ratio      float64 `json:"ratio"`
		StepsTimed int     `json:"steps_timed"`
		Version    string  `json:"version"`
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil || rep.StepsTimed != 2 || !(rep.Ratio > 0) || rep.Version == "" {
		t.Errorf("report %s: %v", b, err)
	}
}
