package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	// The full demo (the quick comparison) runs in make demo; here only
	// its first step, which the rest builds on.
	out, err := runCLI(t, "demo", "--data-only", "-o", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"concept: hq d=20 L=3 degree=8", "variance share", "train.npz (10000 samples", "test.npz (2000 samples"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	c, err := concept.Load(filepath.Join(dir, "concept.json"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Spec().D != 20 || c.Degree() != 8 {
		t.Errorf("demo concept %s", c.Summary())
	}
	for name, n := range map[string]int{"train.npz": 10000, "test.npz": 2000} {
		ds, err := concept.LoadDataset(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if ds.N != n || ds.D != 20 || len(ds.Hidden) != 2 {
			t.Errorf("%s: n=%d d=%d hidden=%d", name, ds.N, ds.D, len(ds.Hidden))
		}
	}
}

// TestDemoSmall runs the whole demo (data, comparison, export, validation
// against onnxruntime) at a small size.
func TestDemoSmall(t *testing.T) {
	testutil.Node(t)
	dir := filepath.Join(t.TempDir(), "demo")
	out, err := runCLI(t, "--quiet", "demo", "--small", "-o", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"hnet:progressive", "hnet:layerwise", "kernel:poly:4", "mlp", "exported the progressive HNet",
		"onnxruntime", "all engines agree with onnxruntime"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"hnet.onnx", "compare/report.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}
