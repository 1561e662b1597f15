package crosscheck

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/concept/lagfield"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/importer/analysis"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// emulatorAgreeTol bounds max |go - onnxruntime| / max |onnxruntime| on
// the emulator's output field; measured 5.3e-7 at opsets 14 and 17.
const emulatorAgreeTol = 1e-5

// TestEmulatorMatchesOnnxruntime trains tools/train_emulator.py for one
// epoch on a small lagfield dataset that Go wrote, at opsets 14 and 17,
// imports it, and compares hierlearn's output with onnxruntime's.
func TestEmulatorMatchesOnnxruntime(t *testing.T) {
	testutil.Python(t, "torch", "onnx")
	testutil.Node(t)
	s := lagfield.DefaultSpec()
	s.H, s.W, s.Lags = 8, 8, 3
	dir := t.TempDir()
	train, test := filepath.Join(dir, "train.npz"), filepath.Join(dir, "test.npz")
	for _, f := range []struct {
		path string
		n    int
		seed uint64
	}{{train, 96, 1}, {test, 24, 2}} {
		ds, err := s.Sample(f.n, f.seed)
		if err != nil {
			t.Fatal(err)
		}
		if err := lagfield.Save(f.path, s, ds); err != nil {
			t.Fatal(err)
		}
	}
	te, err := s.Sample(24, 2)
	if err != nil {
		t.Fatal(err)
	}
	x := analysis.Inputs(te)
	for _, opset := range []int{14, 17} {
		mdir, err := TrainEmulator(context.Background(), train, test, dir, EmulatorOptions{Epochs: 1, Seed: 3, Opset: opset})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(mdir, "model.onnx")
		m, err := importer.Load(path)
		if err != nil {
			t.Fatalf("opset %d: %v", opset, err)
		}
		got, err := importer.NewSession(m).Run(map[string]*importer.Tensor{"x": x})
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := ortrun.Run(path, map[string]*importer.Tensor{"x": x}, 1, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		w := want["y"].Float64s()
		g := got["y"].F
		if len(w) != len(g) || len(g) != 24*64 {
			t.Fatalf("opset %d: %d values from hierlearn, %d from onnxruntime, want %d", opset, len(g), len(w), 24*64)
		}
		var diff, scale float64
		for i := range w {
			diff = math.Max(diff, math.Abs(float64(g[i])-w[i]))
			scale = math.Max(scale, math.Abs(w[i]))
		}
		t.Logf("opset %d: max |go - onnxruntime| / max |onnxruntime| = %.2g", opset, diff/scale)
		if diff/scale > emulatorAgreeTol {
			t.Errorf("opset %d: hierlearn and onnxruntime differ by %.2g of the output scale (tolerance %g)", opset, diff/scale, emulatorAgreeTol)
		}
		again, err := TrainEmulator(context.Background(), train, test, dir, EmulatorOptions{Epochs: 1, Seed: 3, Opset: opset})
		if err != nil || again != mdir {
			t.Errorf("the same data and settings trained again (%s, %v), want the cached %s", again, err, mdir)
		}
	}
}
