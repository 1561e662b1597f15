package importer_test

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// rnnTol is the agreement asked of the torch-exported recurrent models
// with onnxruntime, relative to the largest output: 1e-4 (the issue's
// bar). Measured: at most 2.8e-7 relative (9e-8 of 0.32) on every
// output (AMD EPYC, AVX-512); dropping GRU's recurrent bias of
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

// TestRecurrentMatchOnnxruntime loads torch's LSTM tagger, 1-D
// convolution + LSTM streaming model (state inputs and outputs) and
// bidirectional GRU (opsets 14 and 17, dynamic batch and sequence) once
// each and runs them at three sequence lengths and two batch sizes
// against onnxruntime.
func TestRecurrentMatchOnnxruntime(t *testing.T) {
	testutil.Node(t)
	dir := exportRecurrent(t, "lstm-tagger,bigru,conv-lstm", "14,17")
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
		{"conv-lstm", "LSTM", []string{"y", "h_n", "c_n"}, func(r *rand.Rand, batch, seq int) map[string]*importer.Tensor {
			v := make([]float32, batch*4*seq)
			for i := range v {
				v[i] = float32(r.NormFloat64())
			}
			x, _ := importer.NewFloat32(v, batch, 4, seq)
			s := make([]float32, batch*10)
			for i := range s {
				s[i] = float32(r.NormFloat64()) * 0.5
			}
			h, _ := importer.NewFloat32(s, 1, batch, 10)
			c, _ := importer.NewFloat32(append([]float32{}, s...), 1, batch, 10)
			return map[string]*importer.Tensor{"x": x, "h_0": h, "c_0": c}
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
		for _, opset := range []string{"14", "17"} {
			t.Run(c.model+"/op"+opset, func(t *testing.T) {
				path := filepath.Join(dir, c.model+"_op"+opset+".onnx")
				m, err := importer.Load(path)
				if err != nil {
					t.Fatal(err)
				}
				if _, executed := m.OpCounts(); executed[c.op] != 1 {
					t.Errorf("executed %v: want one %s", executed, c.op)
				}
				sess := importer.NewSession(m)
				for _, batch := range []int{1, 3} {
					for _, seq := range []int{1, 4, 19} {
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
}

// lstmGradTol is the agreement asked of the LSTM tagger's input gradient
// with torch autograd, relative to the largest gradient: 1e-4 (the
// issue's bar). Measured: 3.8e-7 (logits 2.2e-7) at batch 1 seq 6 and
// batch 3 seq 17 (AMD EPYC, AVX-512); carrying the cell gradient by i
// instead of f fails it (0.24).
const lstmGradTol = 1e-4

// TestLSTMInputGradientMatchesTorch differentiates the LSTM tagger after
// its embedding (lstm-tagger-encoder, the tagger's weights) with respect
// to the embedding's output, and compares the logits and that gradient
// with torch autograd at two shapes from one GradSession.
func TestLSTMInputGradientMatchesTorch(t *testing.T) {
	py := testutil.Python(t, "torch", "onnx", "numpy")
	script := testutil.Tool(t, "export_recurrent.py")
	dir := exportRecurrent(t, "lstm-tagger-encoder", "14")
	m, err := importer.Load(filepath.Join(dir, "lstm-tagger-encoder_op14.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	gs, err := importer.NewGradSession(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range [][2]int{{1, 6}, {3, 17}} {
		batch, seq := sh[0], sh[1]
		emb := randInput(uint64(batch*100+seq), batch, seq, 16)
		seed := randInput(uint64(seq), batch, seq, 7)
		z := npy.NewArchive()
		z.Add("emb", npy.NewFloat32(emb.F, batch, seq, 16))
		z.Add("seed_out", npy.NewFloat32(seed.F, batch, seq, 7))
		tmp := t.TempDir()
		inPath, outPath := filepath.Join(tmp, "in.npz"), filepath.Join(tmp, "out.npz")
		if err := npy.WriteNPZ(inPath, z); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(py, script, "--grad", inPath, outPath).CombinedOutput(); err != nil {
			t.Fatalf("export_recurrent.py --grad: %v\n%s", err, out)
		}
		ref, err := npy.ReadNPZ(outPath)
		if err != nil {
			t.Fatal(err)
		}
		tape, err := gs.Forward(map[string]*importer.Tensor{"emb": emb})
		if err != nil {
			t.Fatal(err)
		}
		y, err := tape.Output("logits")
		if err != nil {
			t.Fatal(err)
		}
		g, err := tape.Backward(map[string]*importer.Tensor{"logits": seed})
		tape.Release()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name      string
			got, want []float32
		}{
			{"logits", y.F, ref.Arrays["logits"].Float32s()},
			{"d/d emb", g.Inputs["emb"].F, ref.Arrays["grad_emb"].Float32s()},
		} {
			checkAgree(t, fmt.Sprintf("batch %d seq %d %s", batch, seq, c.name), c.got, c.want, lstmGradTol)
		}
	}
}
