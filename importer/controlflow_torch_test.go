package importer_test

import (
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// controlFlowTol is the agreement asked of the torch.jit.script model
// with onnxruntime, relative to the output's largest magnitude: 1e-4
// (the bar). Measured: at most 2.4e-7 of the scale at batches 1 and 4 (AMD
// EPYC, AVX-512); running the branch the condition does not pick fails
// it.
const controlFlowTol = 1e-4

// TestTorchScriptControlFlowMatchesOnnxruntime exports
// tools/export_control_flow.py's data-dependent model (a Loop whose trip
// count is computed from the input, an If on a reduction inside it, its
// branch reading the loop's iteration number and the outer graph's
// weights) at opsets 11 and 17 and runs it at batches 1 and 4 on inputs
// of several scales against onnxruntime: outputs, iteration counts and
// branches taken agree, and the inputs drive several trip counts and
// both branches.
func TestTorchScriptControlFlowMatchesOnnxruntime(t *testing.T) {
	testutil.Node(t)
	py := testutil.Python(t, "torch", "onnx")
	script := testutil.Tool(t, "export_control_flow.py")
	dir := modelCache(t)
	if out, err := exec.Command(py, script, "--out", dir, "--models", "data-dependent", "--opsets", "11,17").CombinedOutput(); err != nil {
		t.Fatalf("export_control_flow.py: %v\n%s", err, out)
	}
	for _, opset := range []string{"11", "17"} {
		t.Run("op"+opset, func(t *testing.T) {
			path := filepath.Join(dir, "data-dependent_op"+opset+".onnx")
			m, err := importer.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			sess := importer.NewSession(m)
			trips, thenSeen, elseSeen := map[float32]bool{}, false, false
			for _, batch := range []int{1, 4} {
				for seed := range 6 {
					r := rand.New(rand.NewPCG(uint64(batch), uint64(seed)))
					scale := 0.05 + 0.3*float64(seed)
					v := make([]float32, batch*8)
					for i := range v {
						v[i] = float32(r.NormFloat64()*scale + 0.2*float64(seed%3-1))
					}
					x, _ := importer.NewFloat32(v, batch, 8)
					in := map[string]*importer.Tensor{"x": x}
					got, err := sess.Run(in)
					if err != nil {
						t.Fatalf("batch %d seed %d: %v", batch, seed, err)
					}
					ref, _, err := ortrun.Run(path, in, 1, 0, 0)
					if err != nil {
						t.Fatal(err)
					}
					for _, name := range []string{"y", "iters", "taken"} {
						d, sc := maxDiff(got[name].F, ref[name].Float32s())
						if d > controlFlowTol*sc || len(got[name].F) != ref[name].Len() {
							t.Errorf("batch %d seed %d %s: max|diff| %.3g > %g * %.3g", batch, seed, name, d, controlFlowTol, sc)
						}
						if name == "y" {
							t.Logf("batch %d seed %d: %d iterations, %d then-branches; y max|diff| %.3g of scale %.3g",
								batch, seed, int(got["iters"].F[0]), int(got["taken"].F[0]), d, sc)
						}
					}
					it, tk := got["iters"].F[0], got["taken"].F[0]
					trips[it] = true
					thenSeen = thenSeen || tk > 0
					elseSeen = elseSeen || tk < it
				}
			}
			if len(trips) < 3 || !thenSeen || !elseSeen {
				t.Errorf("the inputs drove trip counts %v, then branch %v, else branch %v: want at least 3 counts and both branches", trips, thenSeen, elseSeen)
			}
		})
	}
}
