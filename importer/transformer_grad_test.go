package importer_test

import (
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// bertGradTol is the agreement asked of the encoder's input gradient
// with torch autograd, relative to the largest gradient: 1e-4 (the
// issue's bar). Measured: 3.8e-7 (outputs 1.8e-7) at opsets 14 and 17
// (AMD EPYC); a sign error in LayerNorm's backward fails it (3.3).
const bertGradTol = 1e-4

// TestBertInputGradientMatchesTorch differentiates the BERT-style
// encoder after its embeddings (bert-tiny-encoder, the same weights as
// bert-tiny) with respect to the embeddings' output, and compares the
// outputs and that gradient with torch autograd at two shapes from one
// GradSession.
func TestBertInputGradientMatchesTorch(t *testing.T) {
	py := testutil.Python(t, "torch", "onnx", "numpy")
	script := testutil.Tool(t, "export_transformers.py")
	dir := exportTransformers(t, "bert-tiny-encoder", "14,17")
	for _, opset := range []string{"14", "17"} {
		t.Run("op"+opset, func(t *testing.T) {
			m, err := importer.Load(filepath.Join(dir, "bert-tiny-encoder_op"+opset+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			gs, err := importer.NewGradSession(m)
			if err != nil {
				t.Fatal(err)
			}
			for _, sh := range [][2]int{{1, 9}, {3, 16}} {
				batch, seq := sh[0], sh[1]
				in := bertInputs(uint64(7*batch+seq), batch, seq)
				seed := randInput(uint64(seq), batch, seq, 64)
				z := npy.NewArchive()
				for _, name := range []string{"input_ids", "attention_mask", "token_type_ids"} {
					z.Add(name, npy.NewInt64(in[name].I, batch, seq))
				}
				z.Add("seed_out", npy.NewFloat32(seed.F, batch, seq, 64))
				tmp := t.TempDir()
				inPath, outPath := filepath.Join(tmp, "in.npz"), filepath.Join(tmp, "out.npz")
				if err := npy.WriteNPZ(inPath, z); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command(py, script, "--out", tmp, "--grad", inPath, outPath).CombinedOutput(); err != nil {
					t.Fatalf("export_transformers.py --grad: %v\n%s", err, out)
				}
				ref, err := npy.ReadNPZ(outPath)
				if err != nil {
					t.Fatal(err)
				}
				emb, _ := importer.NewFloat32(ref.Arrays["emb"].Float32s(), batch, seq, 64)
				tape, err := gs.Forward(map[string]*importer.Tensor{"embeddings": emb, "attention_mask": in["attention_mask"]})
				if err != nil {
					t.Fatal(err)
				}
				h, err := tape.Output("last_hidden_state")
				if err != nil {
					t.Fatal(err)
				}
				g, err := tape.Backward(map[string]*importer.Tensor{"last_hidden_state": seed})
				tape.Release()
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range []struct {
					name      string
					got, want []float32
				}{
					{"last_hidden_state", h.F, ref.Arrays["last_hidden_state"].Float32s()},
					{"d/d embeddings", g.Inputs["embeddings"].F, ref.Arrays["grad_emb"].Float32s()},
				} {
					checkAgree(t, fmt.Sprintf("batch %d seq %d %s", batch, seq, c.name), c.got, c.want, bertGradTol)
				}
				if math.IsNaN(float64(g.Inputs["embeddings"].F[0])) {
					t.Error("NaN gradient")
				}
			}
		})
	}
}
