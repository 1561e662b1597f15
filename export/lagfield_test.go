package export

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/concept/lagfield"
	"github.com/hierlearn/hierlearn/export/exporttest"
	"github.com/hierlearn/hierlearn/internal/npy"
)

// lagfieldTol bounds onnxruntime's y against the generator's noise-free
// y (float32 rounding of ~500 products; measured 4.7e-7 at opsets 13 and 17).
const lagfieldTol = 1e-5

// TestLagFieldMatchesSample exports a noise-free lagfield target at both
// opsets and checks that onnxruntime on a sample's x gives its y.
func TestLagFieldMatchesSample(t *testing.T) {
	s := lagfield.DefaultSpec()
	s.H, s.W, s.Noise = 12, 10, 0
	ds, err := s.Sample(16, 5)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, len(ds.X))
	for i, v := range ds.X {
		x[i] = float32(v)
	}
	dir := t.TempDir()
	var paths []string
	for _, opset := range Opsets {
		m, err := LagField(s, opset)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("lagfield_op%d.onnx", opset))
		if err := WriteModel(p, m); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	exporttest.Check(t, paths...)
	for _, p := range paths {
		out := exporttest.RunORT(t, p, map[string]*npy.Array{"x": npy.NewFloat32(x, append([]int{ds.N}, ds.Shape...)...)})
		compare(t, filepath.Base(p), "y", out["y"], ds.Y, []int{ds.N, 1, s.H, s.W})
	}
	bad := s
	bad.Tau = 0
	if _, err := LagField(bad, 17); err == nil {
		t.Error("an invalid spec was exported")
	}
}
