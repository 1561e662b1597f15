package importer_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// vitTol bounds max|ours - onnxruntime| / max|output| for torchvision's
// vision transformers (the issue asks for 1e-4 of the output scale).
// Measured (AMD EPYC, AVX-512, OpenBLAS, opset 17, batches 1 and 2): at
// most 6.5e-7 on swin_t, 1.4e-6 on vit_b_16; about 7x headroom. Broken
// on purpose, GELU's erf argument scaled by 1.001 moves swin_t by 2.6e-4.
const vitTol = 1e-5

// vitCases are tools/export_vit.py's models and opsets. By default
// swin_t runs at opset 17 and batches 1 and 2, and vit_b_16 (330 MB) at
// opset 17 and batch 1; HIERLEARN_LONG=1 runs every case at batches 1 and
// 2 from one session.
var vitCases = []struct {
	model string
	opset int
	short []int // batches of the default run (none: only with HIERLEARN_LONG=1)
}{
	{"swin_t", 17, []int{1, 2}},
	{"vit_b_16", 17, []int{1}},
	{"swin_t", 14, nil},
	{"vit_b_16", 14, nil},
}

// TestVisionTransformersMatchOnnxruntime exports torchvision's vit_b_16
// and swin_t (random weights, dynamic batch; tools/export_vit.py, cached
// like the ResNets) with Debian's torch at opsets 14 and 17, and checks
// one loaded session at batch 1 and then 2 against onnxruntime (see
// vitCases for the default subset).
func TestVisionTransformersMatchOnnxruntime(t *testing.T) {
	testutil.Node(t)
	long := os.Getenv("HIERLEARN_LONG") == "1"
	py := testutil.Python(t, "torch", "torchvision", "onnx")
	script := testutil.Tool(t, "export_vit.py")
	dir := modelCache(t)
	for _, c := range vitCases {
		batches := c.short
		if long {
			batches = []int{1, 2}
		}
		if len(batches) == 0 {
			continue
		}
		name := fmt.Sprintf("%s_op%d", c.model, c.opset)
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(py, script, "--out", dir, "--models", c.model, "--opsets", fmt.Sprint(c.opset))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("export_vit.py: %v\n%s", err, out)
			}
			path := filepath.Join(dir, name+".onnx")
			m, err := importer.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			sess := importer.NewSession(m)
			for _, batch := range batches {
				in := map[string]*importer.Tensor{"input": randInput(uint64(10+batch), batch, 3, 224, 224)}
				got, err := sess.Run(in)
				if err != nil {
					t.Fatalf("batch %d: %v", batch, err)
				}
				ref, _, err := ortrun.Run(path, in, 1, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				if got["out"].Shape[0] != batch {
					t.Fatalf("batch %d: output shape %v", batch, got["out"].Shape)
				}
				checkAgree(t, fmt.Sprintf("batch %d", batch), got["out"].F, ref["out"].Float32s(), vitTol)
			}
		})
	}
}
