package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// kernelData writes a train and a test sample of the default concept with
// input dimension d into dir.
func kernelData(t *testing.T, dir string, d, n int) (train, test string) {
	t.Helper()
	spec := concept.DefaultSpec()
	spec.D = d
	c, err := concept.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	train, test = filepath.Join(dir, "train.npz"), filepath.Join(dir, "test.npz")
	for _, f := range []struct {
		path string
		n    int
		seed uint64
	}{{train, n, 1}, {test, 100, 2}} {
		ds, err := c.Sample(f.n, f.seed)
		if err != nil {
			t.Fatal(err)
		}
		if err := ds.Save(f.path); err != nil {
			t.Fatal(err)
		}
	}
	return train, test
}

func TestKernelCommand(t *testing.T) {
	dir := t.TempDir()
	train, test := kernelData(t, dir, 20, 400)
	for _, spec := range []string{"poly:4", "rf-relu:64"} {
		out := filepath.Join(dir, "runs", strings.ReplaceAll(spec, ":", "-"))
		stdout, err := runCLI(t, "kernel", "--train", train, "--test", test, "--kernel", spec, "--seed", "3", "-o", out)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout, "test rel MSE") {
			t.Errorf("stdout %q lacks the test metric", stdout)
		}
		var metrics map[string]any
		b, err := os.ReadFile(filepath.Join(out, "metrics.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &metrics); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"kernel", "n_train", "ridge", "test_rel_mse", "fit_seconds", "method", "seed", "version", "grid"} {
			if _, ok := metrics[key]; !ok {
				t.Errorf("%s: metrics.json lacks %q", spec, key)
			}
		}
		if metrics["kernel"] != spec || metrics["n_train"] != 400.0 || metrics["seed"] != 3.0 {
			t.Errorf("%s: metrics %v", spec, metrics)
		}
		var cfg map[string]any
		b, _ = os.ReadFile(filepath.Join(out, "config.json"))
		if err := json.Unmarshal(b, &cfg); err != nil || cfg["kernel"] != spec || cfg["version"] == nil {
			t.Errorf("%s: config.json %s (%v)", spec, b, err)
		}
		// The saved predictor reproduces the reported test metric.
		p, err := kernel.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := concept.LoadDataset(test)
		if err != nil {
			t.Fatal(err)
		}
		pred, err := p.Predict(kernel.Inputs(ds))
		if err != nil {
			t.Fatal(err)
		}
		m, err := kernel.Score(pred, ds)
		if err != nil {
			t.Fatal(err)
		}
		if got := metrics["test_rel_mse"].(float64); math.Abs(got-m.RelMSE) > 1e-12*m.RelMSE {
			t.Errorf("%s: reloaded predictor gives rel MSE %g, metrics.json says %g", spec, m.RelMSE, got)
		}
	}
}

func TestKernelCommandNTrain(t *testing.T) {
	dir := t.TempDir()
	train, test := kernelData(t, dir, 20, 400)
	out := filepath.Join(dir, "run")
	if _, err := runCLI(t, "kernel", "--train", train, "--test", test, "--kernel", "rbf", "--ridge", "1e-3", "--n-train", "150", "-o", out); err != nil {
		t.Fatal(err)
	}
	var metrics map[string]any
	b, _ := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err := json.Unmarshal(b, &metrics); err != nil {
		t.Fatal(err)
	}
	if metrics["n_train"] != 150.0 || metrics["ridge"] != 1e-3 || metrics["ridge_chosen_on_validation"] != false {
		t.Errorf("metrics %s", b)
	}
}

func TestKernelCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	train, test := kernelData(t, dir, 20, 100)
	_, test10 := kernelData(t, filepath.Join(dir, "d10"), 10, 100)
	// A dataset file with a NaN input.
	nanPath := filepath.Join(dir, "nan.npz")
	x := make([]float64, 50*20)
	x[33] = math.NaN()
	z := npy.NewArchive()
	z.Add("x", npy.NewFloat64(x, 50, 20))
	z.Add("y", npy.NewFloat64(make([]float64, 50), 50))
	if err := npy.WriteNPZ(nanPath, z); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"dims", []string{"--train", train, "--test", test10}, "d=20 but test data has d=10"},
		{"nan", []string{"--train", nanPath, "--test", test}, "NaN"},
		{"kernel", []string{"--train", train, "--test", test, "--kernel", "poly:x"}, "bad kernel spec"},
		{"kernel2", []string{"--train", train, "--test", test, "--kernel", "laplace"}, "unknown kernel"},
		{"ridge", []string{"--train", train, "--test", test, "--ridge", "-1"}, "--ridge"},
		{"method", []string{"--train", train, "--test", test, "--method", "svd"}, "method"},
		{"missing", []string{"--train", filepath.Join(dir, "nope.npz"), "--test", test}, "nope.npz"},
		{"n-train", []string{"--train", train, "--test", test, "--n-train", "-5"}, "--n-train"},
	} {
		out := filepath.Join(dir, "out-"+c.name)
		_, err := runCLI(t, append([]string{"kernel", "-o", out}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
		if _, statErr := os.Stat(out); statErr == nil {
			t.Errorf("%s: output directory written despite the error", c.name)
		}
	}
}
