package importer_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// bertTol is the agreement asked of the BERT-style encoder with
// onnxruntime, relative to the largest output: 1e-4 (the bar).
// Measured: at most 2.8e-7 relative (1.8e-7 of 0.65) on both outputs at
// opsets 14 and 17 (AMD EPYC, AVX-512); LayerNorm dividing by n-1
// instead of n fails it (6e-3 of 0.65).
const bertTol = 1e-4

// exportTransformers runs tools/export_transformers.py (it skips files
// that exist) and returns the directory of the models.
func exportTransformers(t *testing.T, models, opsets string) string {
	py := testutil.Python(t, "torch", "onnx")
	script := testutil.Tool(t, "export_transformers.py")
	dir := modelCache(t)
	cmd := exec.Command(py, script, "--out", dir, "--models", models, "--opsets", opsets)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("export_transformers.py: %v\n%s", err, out)
	}
	return dir
}

// bertInputs are token ids (vocabulary 1000), an attention mask whose
// last sequence pads its second half, and segment ids (second half 1).
func bertInputs(seed uint64, batch, seq int) map[string]*importer.Tensor {
	r := rand.New(rand.NewPCG(seed, 2))
	ids, mask, types := make([]int64, batch*seq), make([]int64, batch*seq), make([]int64, batch*seq)
	for b := 0; b < batch; b++ {
		for s := 0; s < seq; s++ {
			i := b*seq + s
			ids[i] = int64(r.IntN(1000))
			mask[i] = 1
			if b == batch-1 && batch > 1 && s >= (seq+1)/2 {
				mask[i] = 0
			}
			if s >= seq/2 {
				types[i] = 1
			}
		}
	}
	t := func(v []int64) *importer.Tensor { x, _ := importer.NewInt64(v, batch, seq); return x }
	return map[string]*importer.Tensor{"input_ids": t(ids), "attention_mask": t(mask), "token_type_ids": t(types)}
}

// TestBertMatchesOnnxruntime loads the BERT-style encoder exported by
// torch at opsets 14 and 17 once, and runs it at three sequence lengths
// and two batch sizes against onnxruntime.
func TestBertMatchesOnnxruntime(t *testing.T) {
	testutil.Node(t)
	dir := exportTransformers(t, "bert-tiny", "14,17")
	for _, opset := range []string{"14", "17"} {
		t.Run("op"+opset, func(t *testing.T) {
			path := filepath.Join(dir, "bert-tiny_op"+opset+".onnx")
			m, err := importer.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			_, executed := m.OpCounts()
			for _, op := range []string{"Erf", "ReduceMean", "Pow", "Sqrt"} {
				if executed[op] != 0 {
					t.Errorf("%d %s nodes left after fusion", executed[op], op)
				}
			}
			if executed["LayerNormalization"] != 9 || executed["Gelu"] != 4 {
				t.Errorf("executed %v: want 9 LayerNormalization and 4 Gelu", executed)
			}
			sess := importer.NewSession(m)
			for _, batch := range []int{1, 3} {
				for _, seq := range []int{5, 16, 33} {
					in := bertInputs(uint64(batch*100+seq), batch, seq)
					got, err := sess.Run(in)
					if err != nil {
						t.Fatalf("batch %d seq %d: %v", batch, seq, err)
					}
					ref, _, err := ortrun.Run(path, in, 1, 0, 0)
					if err != nil {
						t.Fatal(err)
					}
					for _, name := range []string{"last_hidden_state", "pooler_output"} {
						d, scale := maxDiff(got[name].F, ref[name].Float32s())
						t.Logf("batch %d seq %d %s %v: max|diff| %.3g of scale %.3g", batch, seq, name, got[name].Shape, d, scale)
						if d > bertTol*scale || len(got[name].F) != ref[name].Len() {
							t.Errorf("batch %d seq %d %s: max|diff| %.3g > %g * %.3g", batch, seq, name, d, bertTol, scale)
						}
					}
				}
			}
		})
	}
}

// maxDiff returns max|a-b| and max|b| (+Inf when the lengths differ).
func maxDiff(a, b []float32) (diff, scale float64) {
	if len(a) != len(b) {
		return math.Inf(1), 0
	}
	for i := range a {
		diff = math.Max(diff, math.Abs(float64(a[i]-b[i])))
		scale = math.Max(scale, math.Abs(float64(b[i])))
	}
	return diff, scale
}

// checkAgree fails t unless got is within tol * max|want| of want, and
// logs the difference; what names the comparison.
func checkAgree(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	d, scale := maxDiff(got, want)
	t.Logf("%s: max|diff| %.3g of scale %.3g (%.2g relative)", what, d, scale, d/scale)
	if !(d <= tol*scale) {
		t.Errorf("%s: max|diff| %.3g > %g * %.3g", what, d, tol, scale)
	}
}

// TestBertBadInput: ids out of the vocabulary, a mask of another shape
// than the ids, a sequence longer than the position table: each a clear
// error naming the input.
func TestBertBadInput(t *testing.T) {
	dir := exportTransformers(t, "bert-tiny", "17")
	m, err := importer.Load(filepath.Join(dir, "bert-tiny_op17.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	sess := importer.NewSession(m)
	cases := []struct {
		name  string
		edit  func(in map[string]*importer.Tensor) map[string]*importer.Tensor
		want  []string
		isErr error
	}{
		{"id out of range", func(in map[string]*importer.Tensor) map[string]*importer.Tensor {
			in["input_ids"].I[3] = 1000
			return in
		}, []string{"input_ids", "1000"}, importer.ErrBadInput},
		{"negative id", func(in map[string]*importer.Tensor) map[string]*importer.Tensor {
			in["input_ids"].I[0] = -1001
			return in
		}, []string{"input_ids"}, importer.ErrBadInput},
		{"segment out of range", func(in map[string]*importer.Tensor) map[string]*importer.Tensor {
			in["token_type_ids"].I[5] = 2
			return in
		}, []string{"token_type_ids", "index 2"}, importer.ErrBadInput},
		{"mask batch", func(in map[string]*importer.Tensor) map[string]*importer.Tensor {
			in["attention_mask"] = bertInputs(1, 3, 8)["attention_mask"]
			return in
		}, []string{"attention_mask", "input_ids", "batch"}, importer.ErrShape},
		{"mask shape", func(in map[string]*importer.Tensor) map[string]*importer.Tensor {
			in["attention_mask"] = bertInputs(1, 2, 9)["attention_mask"]
			return in
		}, []string{"attention_mask", "input_ids", "seq"}, importer.ErrShape},
		{"too long", func(in map[string]*importer.Tensor) map[string]*importer.Tensor {
			return bertInputs(1, 2, 65)
		}, []string{"input_ids", "seq=65", "64"}, importer.ErrShape},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := sess.Run(c.edit(bertInputs(1, 2, 8)))
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if !errors.Is(err, c.isErr) {
				t.Errorf("error %q is not %v", err, c.isErr)
			}
		})
	}
	if _, err := sess.Run(bertInputs(1, 2, 8)); err != nil {
		t.Errorf("the session fails after bad inputs: %v", err)
	}
}

// TestRandomInputsTokenModel: random inputs for a token model are valid
// (ids 0 or 1, an attention mask of ones), so that `hierlearn validate`
// without --input compares real numbers, not NaNs of a fully masked
// softmax.
func TestRandomInputsTokenModel(t *testing.T) {
	dir := exportTransformers(t, "bert-tiny", "17")
	m, err := importer.Load(filepath.Join(dir, "bert-tiny_op17.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := importer.RandomInputs(m, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	for name, x := range in {
		for _, v := range x.I {
			if v < 0 || v > 1 || (name == "attention_mask" && v != 1) {
				t.Fatalf("%s holds %d", name, v)
			}
		}
	}
	out, err := importer.NewSession(m).Run(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range out["last_hidden_state"].F {
		if math.IsNaN(float64(v)) {
			t.Fatal("NaN output")
		}
	}
}
