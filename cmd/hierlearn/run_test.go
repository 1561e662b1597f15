package main

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

const tinyCNN = "../../testdata/importer/tiny_cnn.onnx"

// tinyIO writes the fixture input as float64 .npy (run casts it) and
// returns its path and torch's expected output.
func tinyIO(t *testing.T) (string, []float32) {
	t.Helper()
	z, err := npy.ReadNPZ("../../testdata/importer/tiny_cnn_io.npz")
	if err != nil {
		t.Fatal(err)
	}
	x, _ := z.Get("input")
	y, _ := z.Get("probs")
	path := filepath.Join(t.TempDir(), "x.npy")
	if err := npy.WriteFile(path, npy.NewFloat64(x.Float64s(), x.Shape...)); err != nil {
		t.Fatal(err)
	}
	return path, y.Float32s()
}

func TestRunCommand(t *testing.T) {
	x, want := tinyIO(t)
	dir := t.TempDir()
	check := func(path string) {
		t.Helper()
		a, err := npy.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got := a.Float32s()
		if len(got) != len(want) || a.Shape[0] != 3 || a.Shape[1] != 5 {
			t.Fatalf("%s: shape %v", path, a.Shape)
		}
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-5 {
				t.Fatalf("%s: %v, want %v", path, got, want)
			}
		}
	}
	single := filepath.Join(dir, "y.npy")
	if _, err := runCLI(t, "run", "--model", tinyCNN, "--input", x, "-o", single); err != nil {
		t.Fatal(err)
	}
	check(single)
	// Named input, output directory, batches of 2 rows.
	if _, err := runCLI(t, "run", "--model", tinyCNN, "--input", "input="+x, "-o", dir+"/out/", "--batch", "2"); err != nil {
		t.Fatal(err)
	}
	check(filepath.Join(dir, "out", "probs.npy"))
	if _, err := runCLI(t, "run", "--model", tinyCNN, "--input", x, "--input-name", "input", "-o", single); err != nil {
		t.Fatal(err)
	}
	check(single)

	for name, args := range map[string][]string{
		"no model":      {"run", "--input", x, "-o", single},
		"bad name":      {"run", "--model", tinyCNN, "--input", "nope=" + x, "-o", single},
		"missing file":  {"run", "--model", tinyCNN, "--input", filepath.Join(dir, "none.npy"), "-o", single},
		"bad model":     {"run", "--model", x, "--input", x, "-o", single},
		"neg batch":     {"run", "--model", tinyCNN, "--input", x, "-o", single, "--batch", "-1"},
		"bad name flag": {"run", "--model", tinyCNN, "--input", x, "--input-name", "nope", "-o", single},
	} {
		if _, err := runCLI(t, args...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestValidateCommand(t *testing.T) {
	testutil.Node(t)
	out, err := runCLI(t, "validate", tinyCNN, "--engines", "native,onnxruntime", "--batch", "2")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "native") || !strings.Contains(out, "agrees") || strings.Contains(out, "DISAGREES") {
		t.Errorf("output:\n%s", out)
	}
	if _, err := runCLI(t, "validate", tinyCNN, "--engines", "native,tensorflow"); err == nil {
		t.Error("unknown engine accepted")
	}
}

// TestValidateFailsWhenAnEngineCannotRun: with node off the PATH,
// onnxruntime cannot run, and validate must not pass by comparing nothing.
func TestValidateFailsWhenAnEngineCannotRun(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, engines := range []string{"native,onnxruntime", "onnxruntime,native"} {
		out, err := runCLI(t, "validate", tinyCNN, "--engines", engines)
		if err == nil || !strings.Contains(err.Error(), "onnxruntime") {
			t.Errorf("--engines %s without node: err = %v\n%s", engines, err, out)
		}
	}
}
