package importer_test

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// quantLogitsTol bounds max|ours - onnxruntime| / max|logits| for the
// quantized models' float outputs. Measured (AMD EPYC, AVX-512,
// OpenBLAS, batch 1 and 4): see TestQuantizedMatchOnnxruntime's log.
const quantLogitsTol = 1e-5

// TestQuantizedMatchOnnxruntime builds int8 models with
// tools/quantize_onnx.py (a small residual CNN; with HIERLEARN_LONG=1
// torchvision's resnet18 too), each in QDQ form (QuantizeLinear /
// DequantizeLinear around float Conv and Gemm, per-channel int8 weights,
// int32 biases) and QOperator form (QLinearConv, MatMulInteger), and
// checks them against onnxruntime at batch 1 and 4: the integer outputs
// (the input's QuantizeLinear, the first and last QLinearConv, the
// MatMulInteger) exactly, the logits to quantLogitsTol of their scale.
func TestQuantizedMatchOnnxruntime(t *testing.T) {
	testutil.Node(t)
	models := []string{"small"}
	if os.Getenv("HIERLEARN_LONG") == "1" {
		models = append(models, "resnet18")
	}
	py := testutil.Python(t, "torch", "torchvision", "onnx")
	script := testutil.Tool(t, "quantize_onnx.py")
	dir := modelCache(t)
	cmd := exec.Command(py, script, "--out", dir, "--models", strings.Join(models, ","))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("quantize_onnx.py: %v\n%s", err, out)
	}
	size := map[string]int{"small": 32, "resnet18": 224}
	for _, m := range models {
		for _, form := range []string{"float", "qdq", "qop"} {
			path := filepath.Join(dir, "q_"+m+"_"+form+".onnx")
			t.Run(m+"_"+form, func(t *testing.T) { checkQuantized(t, path, size[m]) })
		}
	}
}

func checkQuantized(t *testing.T, path string, size int) {
	mdl, err := importer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sess := importer.NewSession(mdl)
	for _, batch := range []int{1, 4} {
		in := map[string]*importer.Tensor{"input": randInput(uint64(batch), batch, 3, size, size)}
		ref, _, err := ortrun.Run(path, in, 1, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sess.Run(in)
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		for _, o := range mdl.Outputs {
			g, r := got[o.Name], ref[o.Name]
			if r == nil || g.Len() != r.Len() {
				t.Fatalf("batch %d, output %q: shape %v, onnxruntime %v", batch, o.Name, g.Shape, r)
			}
			if g.DType == importer.Float32 {
				w := r.Float32s()
				var maxAbs, scale float64
				for i := range w {
					maxAbs = math.Max(maxAbs, math.Abs(float64(g.F[i]-w[i])))
					scale = math.Max(scale, math.Abs(float64(w[i])))
				}
				t.Logf("batch %d, %s: max|diff| %.3g, max|out| %.3g (%.2g relative)", batch, o.Name, maxAbs, scale, maxAbs/scale)
				if !(maxAbs <= quantLogitsTol*scale) {
					t.Errorf("batch %d, %s: max|diff| %.3g > %g * max|out| (%.3g)", batch, o.Name, maxAbs, quantLogitsTol, scale)
				}
				continue
			}
			w := r.Float64s()
			differ, maxDiff := 0, 0.0
			for i := range w {
				if d := math.Abs(float64(g.I[i]) - w[i]); d != 0 {
					differ++
					maxDiff = math.Max(maxDiff, d)
				}
			}
			t.Logf("batch %d, %s (%v, %d values): %d differ (by at most %g)", batch, o.Name, g.DType, len(w), differ, maxDiff)
			if differ > 0 {
				t.Errorf("batch %d, %s: %d of %d integers differ from onnxruntime (by at most %g)", batch, o.Name, differ, len(w), maxDiff)
			}
		}
	}
}
