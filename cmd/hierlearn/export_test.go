package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/export/exporttest"
	"github.com/hierlearn/hierlearn/train"
)

// writeExportRun saves a small hand-made MLP as a run directory.
func writeExportRun(t *testing.T, dir string) string {
	t.Helper()
	run := filepath.Join(dir, "runs", "tiny")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	m := &train.MLP{Format: train.MLPFormat, Learner: "mlp", DType: "float32", Activation: "relu", Sizes: []int{3, 4, 1},
		Layers: []train.MLPLayer{
			{W: [][]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}}, B: []float64{0, 0, 0, -1}},
			{W: [][]float64{{1, -1, 2, 0.5}}, B: []float64{0.25}},
		}}
	if err := train.SaveModel(run, m); err != nil {
		t.Fatal(err)
	}
	cfg := `{"learner": "mlp", "mode": "e2e", "seed": 42, "version": "test"}`
	if err := os.WriteFile(filepath.Join(run, train.ConfigFile), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return run
}

func TestExportCLI(t *testing.T) {
	dir := t.TempDir()
	run := writeExportRun(t, dir)
	var paths []string
	for _, opset := range []string{"13", "17"} {
		out := filepath.Join(dir, "model"+opset+".onnx")
		stdout, err := runCLI(t, "export", "--run", run, "-o", out, "--opset", opset)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout, "wrote "+out) {
			t.Errorf("stdout %q", stdout)
		}
		info, err := runCLI(t, "inspect", out)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"ai.onnx " + opset, "x  float32[N,3]", "y  float32[N]", "Gemm     2", "seed = 42", "parameters:  21"} {
			if !strings.Contains(info, want) {
				t.Errorf("inspect output lacks %q:\n%s", want, info)
			}
		}
		paths = append(paths, out)
	}
	exporttest.Check(t, paths...)
}

func TestExportBadInput(t *testing.T) {
	dir := t.TempDir()
	good := writeExportRun(t, dir)
	corrupt := filepath.Join(dir, "runs", "corrupt")
	os.MkdirAll(corrupt, 0o755)
	os.WriteFile(filepath.Join(corrupt, train.ModelFile), []byte("{not json"), 0o644)
	badConfig := filepath.Join(dir, "runs", "badconfig")
	os.MkdirAll(badConfig, 0o755)
	b, _ := os.ReadFile(filepath.Join(good, train.ModelFile))
	os.WriteFile(filepath.Join(badConfig, train.ModelFile), b, 0o644)
	os.WriteFile(filepath.Join(badConfig, train.ConfigFile), []byte("{truncated"), 0o644)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing run", []string{"--run", filepath.Join(dir, "runs", "nope")}, "no such file"},
		{"empty run", []string{"--run", dir}, "model.json"},
		{"corrupt model", []string{"--run", corrupt}, "load model"},
		{"corrupt config", []string{"--run", badConfig}, "config.json"},
		{"opset 11", []string{"--run", good, "--opset", "11"}, "unsupported opset 11"},
		{"no run", nil, "--run"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".onnx")
			_, err := runCLI(t, append([]string{"export", "-o", out}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			exportNoFile(t, out)
		})
	}
	if _, err := runCLI(t, "export", "--run", good); err == nil || !strings.Contains(err.Error(), "-o") {
		t.Errorf("without -o: err = %v", err)
	}
}
