// Package exporttest holds test helpers that check ONNX files against the
// reference tools: onnx.checker (Debian's python3-onnx, through
// tools/onnx_check.py) and onnxruntime-node (through tools/node/ort_run.js).
// Like net/http/httptest it is imported only by tests. A missing tool skips
// the test, or fails it under CI=true (see internal/testutil).
//
//	exporttest.Check(t, "hnet.onnx", "mlp.onnx") // onnx.checker.check_model(full_check=True)
package exporttest

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// Check runs onnx.checker.check_model(full_check=True) on every path and
// fails t, with the checker's message, if any file is rejected.
func Check(t testing.TB, paths ...string) {
	t.Helper()
	py := testutil.Python(t, "onnx")
	script := testutil.Tool(t, "onnx_check.py")
	out, err := exec.Command(py, append([]string{script}, paths...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("onnx.checker rejected a file: %v\n%s", err, out)
	}
}

// RunORT runs model in onnxruntime-node on inputs (one array per model
// input, by name) and returns its outputs by name.
func RunORT(t testing.TB, model string, inputs map[string]*npy.Array) map[string]*npy.Array {
	t.Helper()
	node, dir := testutil.Node(t)
	tmp := t.TempDir()
	in := filepath.Join(tmp, "inputs.npz")
	out := filepath.Join(tmp, "outputs.npz")
	z := npy.NewArchive()
	for name, a := range inputs {
		z.Add(name, a)
	}
	if err := npy.WriteNPZ(in, z); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(dir, "ort_run.js"), model, in, out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("onnxruntime-node on %s: %v\n%s", model, err, stderr.String())
	}
	res, err := npy.ReadNPZ(out)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(out)
	return res.Arrays
}

// RelDiff compares an output got (float32 from a runtime) with a float64
// reference want of the same length. It returns
//
//	max_i |got_i - want_i| / scale,  scale = max_i |want_i|,
//
// the largest error relative to the output's scale (its largest magnitude;
// scale 1 is used when want is all zero), and the index of that element.
// It returns +Inf if the lengths differ (at = -1) or got holds a NaN or
// an Inf (at = its index).
func RelDiff(got []float32, want []float64) (rel float64, at int) {
	if len(got) != len(want) {
		return math.Inf(1), -1
	}
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	if scale == 0 {
		scale = 1
	}
	for i, g := range got {
		gf := float64(g)
		if math.IsNaN(gf) || math.IsInf(gf, 0) {
			return math.Inf(1), i
		}
		if d := math.Abs(gf-want[i]) / scale; d > rel {
			rel, at = d, i
		}
	}
	return rel, at
}

// Describe formats a RelDiff result for a test message.
func Describe(name string, got []float32, want []float64) string {
	rel, at := RelDiff(got, want)
	if at < 0 || len(got) == 0 {
		return fmt.Sprintf("%s: lengths %d vs %d", name, len(got), len(want))
	}
	return fmt.Sprintf("%s: max rel diff %.3g at %d (got %g, want %g)", name, rel, at, got[at], want[at])
}
