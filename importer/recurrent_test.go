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

// rnnTol is the agreement asked of the torch-exported recurrent models
// with onnxruntime, relative to the largest output: 1e-4 (the issue's
// bar). Measured: at most 2.0e-7 relative (1.8e-7 of 0.88, the GRU's y)
// on every output (AMD EPYC, AVX-512); dropping GRU's recurrent bias of
// the h gate under linear_before_reset fails it.
const rnnTol = 1e-4

// exportRecurrent runs tools/export_recurrent.py (it skips files that
// exist) and returns the directory of the models.
func exportRecurrent(t *testing.T, models, opsets string) string {
	py := testutil.Python(t, "torch", "onnx")
	script := testutil.Tool(t, "export_recurrent.py")
	dir := modelCache(t)
	cmd := exec.Command(py, script, "--out", dir, "--models", models, "--opsets", opsets)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("export_recurrent.py: %v\n%s", err, out)
	}
	return dir
}

// TestRecurrentMatchOnnxruntime loads torch's LSTM tagger and
// bidirectional GRU (opset 14, dynamic batch and sequence) once each and
// runs them at two sequence lengths and two batch sizes against
// onnxruntime.
func TestRecurrentMatchOnnxruntime(t *testing.T) {
	testutil.Node(t)
	dir := exportRecurrent(t, "lstm-tagger,bigru", "14")
	cases := []struct {
		model   string
		op      string
		outputs []string
		input   func(r *rand.Rand, batch, seq int) map[string]*importer.Tensor
	}{
		{"lstm-tagger", "LSTM", []string{"logits"}, func(r *rand.Rand, batch, seq int) map[string]*importer.Tensor {
			ids := make([]int64, batch*seq)
			for i := range ids {
				ids[i] = int64(r.IntN(100))
			}
			x, _ := importer.NewInt64(ids, batch, seq)
			return map[string]*importer.Tensor{"token_ids": x}
		}},
		{"bigru", "GRU", []string{"y", "h_n"}, func(r *rand.Rand, batch, seq int) map[string]*importer.Tensor {
			v := make([]float32, batch*seq*8)
			for i := range v {
				v[i] = float32(r.NormFloat64())
			}
			x, _ := importer.NewFloat32(v, batch, seq, 8)
			return map[string]*importer.Tensor{"x": x}
		}},
	}
	for _, c := range cases {
		t.Run(c.model, func(t *testing.T) {
			path := filepath.Join(dir, c.model+"_op14.onnx")
			m, err := importer.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, executed := m.OpCounts(); executed[c.op] != 1 {
				t.Errorf("executed %v: want one %s", executed, c.op)
			}
			sess := importer.NewSession(m)
			for _, batch := range []int{1, 3} {
				for _, seq := range []int{4, 19} {
					in := c.input(rand.New(rand.NewPCG(uint64(batch), uint64(seq))), batch, seq)
					got, err := sess.Run(in)
					if err != nil {
						t.Fatalf("batch %d seq %d: %v", batch, seq, err)
					}
					ref, _, err := ortrun.Run(path, in, 1, 0, 0)
					if err != nil {
						t.Fatal(err)
					}
					for _, name := range c.outputs {
						d, scale := maxDiff(got[name].F, ref[name].Float32s())
						t.Logf("batch %d seq %d %s %v: max|diff| %.3g of scale %.3g", batch, seq, name, got[name].Shape, d, scale)
						if d > rnnTol*scale || len(got[name].F) != ref[name].Len() {
							t.Errorf("batch %d seq %d %s: max|diff| %.3g > %g * %.3g", batch, seq, name, d, rnnTol, scale)
						}
					}
				}
			}
		})
	}
}
