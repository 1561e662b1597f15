package importer_test

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// torchvisionTol bounds max|ours - onnxruntime| / max|output| for the
// torchvision exports (issue 12 asks for 1e-4 of the output scale).
// Measured (AMD EPYC, AVX-512, OpenBLAS, batch 1 and 4): at most 3.5e-6
// (fcn_resnet50), 2.4e-6 convnext_tiny, 1.4e-6 regnet_y_400mf, the others
// 1e-7 to 1.2e-6; about 6x headroom. Broken on purpose, HardSwish with
// slope 1/6.001 instead of 1/6 moves mobilenet_v3_small by 3.4e-5 and
// Resize's linear weights scaled by 0.999 move fcn_resnet50 by 7e-4.
const torchvisionTol = 2e-5

// torchvisionModels are tools/export_torchvision.py's models with their
// input size; short ones run in every test run, the rest only with
// HIERLEARN_LONG=1.
var torchvisionModels = []struct {
	name  string
	size  int
	short bool
}{
	{"mobilenet_v2", 224, true}, // ReLU6 (Clip) fused into its convolutions
	{"mobilenet_v3_small", 224, true},
	{"shufflenet_v2_x1_0", 224, true},
	{"unet", 64, true},
	{"deeplabv3_mobilenet_v3_large", 128, true},
	{"mobilenet_v3_large", 224, false},
	{"efficientnet_b0", 224, false},
	{"googlenet", 224, false},
	{"inception_v3", 299, false},
	{"regnet_y_400mf", 224, false},
	{"convnext_tiny", 224, false},
	{"vgg11_bn", 224, false},
	{"alexnet", 224, false},
	{"fcn_resnet50", 128, false},
}

// TestTorchvisionMatchOnnxruntime exports torchvision models (random
// weights, opset 17; tools/export_torchvision.py, cached like the ResNets)
// with Debian's torch and checks the importer's outputs against
// onnxruntime at batch 1 and 4: the short models, or with HIERLEARN_LONG=1
// all of them, or those named in HIERLEARN_TV_MODELS (comma-separated).
func TestTorchvisionMatchOnnxruntime(t *testing.T) {
	testutil.Node(t)
	long := os.Getenv("HIERLEARN_LONG") == "1"
	var names []string
	for _, m := range torchvisionModels {
		if m.short || long {
			names = append(names, m.name)
		}
	}
	if only := os.Getenv("HIERLEARN_TV_MODELS"); only != "" {
		names = strings.Split(only, ",")
	}
	py := testutil.Python(t, "torch", "torchvision", "onnx")
	script := testutil.Tool(t, "export_torchvision.py")
	dir := modelCache(t)
	cmd := exec.Command(py, script, "--out", dir, "--models", strings.Join(names, ","))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("export_torchvision.py: %v\n%s", err, out)
	}
	for _, m := range torchvisionModels {
		if !slices.Contains(names, m.name) {
			continue
		}
		path := filepath.Join(dir, "tv_"+m.name+".onnx")
		t.Run(m.name, func(t *testing.T) { checkTorchvision(t, path, m.size) })
	}
}

func checkTorchvision(t *testing.T, path string, size int) {
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
		w := ref["out"].Float32s()
		got, err := sess.Run(in)
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		g := got["out"]
		if len(g.F) != len(w) || g.Shape[0] != batch {
			t.Fatalf("batch %d: shape %v, onnxruntime %v", batch, g.Shape, ref["out"].Shape)
		}
		var maxAbs, scale float64
		for i := range w {
			maxAbs = math.Max(maxAbs, math.Abs(float64(g.F[i]-w[i])))
			scale = math.Max(scale, math.Abs(float64(w[i])))
		}
		t.Logf("batch %d: max|diff| %.3g, max|out| %.3g (%.2g relative)", batch, maxAbs, scale, maxAbs/scale)
		if !(maxAbs <= torchvisionTol*scale) {
			t.Errorf("batch %d: max|diff| %.3g > %g * max|out| (%.3g)", batch, maxAbs, torchvisionTol, scale)
		}
	}
}
