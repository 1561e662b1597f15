package importer_test

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// modelCache is where exported models are kept between test runs
// ($HIERLEARN_CACHE, else the user cache dir); they are never committed.
func modelCache(t *testing.T) string {
	dir := os.Getenv("HIERLEARN_CACHE")
	if dir == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			c = os.TempDir()
		}
		dir = filepath.Join(c, "hierlearn")
	}
	dir = filepath.Join(dir, "importer-models")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// exportModels runs tools/export_resnets.py (it skips files that exist).
func exportModels(t *testing.T, models, opsets, bn string) string {
	py := testutil.Python(t, "torch", "torchvision", "onnx")
	script := testutil.Tool(t, "export_resnets.py")
	dir := modelCache(t)
	cmd := exec.Command(py, script, "--out", dir, "--models", models, "--opsets", opsets, "--bn", bn)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("export_resnets.py: %v\n%s", err, out)
	}
	return dir
}

func randInput(seed uint64, shape ...int) *importer.Tensor {
	r := rand.New(rand.NewPCG(seed, 1))
	n := 1
	for _, d := range shape {
		n *= d
	}
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	t, _ := importer.NewFloat32(x, shape...)
	return t
}

// TestResNetsMatchOnnxruntime checks every exported ResNet against
// onnxruntime at batch 1 and 8, and that 20 runs of one session give
// bit-identical outputs. HIERLEARN_LONG=1 adds resnet50, ResNet-56 and
// resnet18 at opset 11.
func TestResNetsMatchOnnxruntime(t *testing.T) {
	testutil.Node(t)
	type set struct{ models, opsets, bn string }
	sets := []set{
		{"resnet20a,resnet20b", "11,13,17", "folded,kept"},
		{"resnet18", "13,17", "folded"},
	}
	if os.Getenv("HIERLEARN_LONG") == "1" {
		sets = append(sets[:1],
			set{"resnet18", "11,13,17", "folded,kept"},
			set{"resnet56a,resnet56b", "11,13,17", "folded,kept"},
			set{"resnet50", "11,13,17", "folded,kept"})
	}
	for _, s := range sets {
		dir := exportModels(t, s.models, s.opsets, s.bn)
		for _, m := range strings.Split(s.models, ",") {
			for _, op := range strings.Split(s.opsets, ",") {
				for _, bn := range strings.Split(s.bn, ",") {
					name := m + "_op" + op + "_" + bn
					path := filepath.Join(dir, name+".onnx")
					t.Run(name, func(t *testing.T) { checkAgainstORT(t, path, m) })
				}
			}
		}
	}
}

func checkAgainstORT(t *testing.T, path, model string) {
	mdl, err := importer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	loaded, executed := mdl.OpCounts()
	t.Logf("operators loaded %v, executed after load-time folding %v", loaded, executed)
	for _, op := range []string{"Shape", "Gather", "Unsqueeze", "Concat", "ConstantOfShape", "Constant", "BatchNormalization", "Relu"} {
		if executed[op] != 0 {
			t.Errorf("%d %s nodes left after load", executed[op], op)
		}
	}
	size := 32
	if !strings.HasPrefix(model, "resnet20") && !strings.HasPrefix(model, "resnet56") {
		size = 224
	}
	sess := importer.NewSession(mdl)
	for _, batch := range []int{1, 8} {
		x := randInput(uint64(batch), batch, 3, size, size)
		in := map[string]*importer.Tensor{"input": x}
		got, err := sess.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		ref, _, err := ortrun.Run(path, in, 1, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		g, w := got["logits"], ref["logits"].Float32s()
		if len(g.F) != len(w) || g.Shape[0] != batch {
			t.Fatalf("batch %d: shape %v, onnxruntime %v", batch, g.Shape, ref["logits"].Shape)
		}
		var maxAbs, scale float64
		for i := range w {
			maxAbs = math.Max(maxAbs, math.Abs(float64(g.F[i]-w[i])))
			scale = math.Max(scale, math.Abs(float64(w[i])))
		}
		t.Logf("batch %d: max|diff| %.3g, max|logits| %.3g", batch, maxAbs, scale)
		if maxAbs > 1e-4*scale {
			t.Errorf("batch %d: max|diff| %.3g > 1e-4 * max|logits| (%.3g)", batch, maxAbs, scale)
		}
	}
	// 20 consecutive runs of one session are bit-identical (batch 2 on
	// CIFAR models, batch 1 on the 224x224 ones to keep the test short).
	x := randInput(99, 1+boolInt(size == 32), 3, size, size)
	first, err := sess.Run(map[string]*importer.Tensor{"input": x})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 20; i++ {
		again, err := sess.Run(map[string]*importer.Tensor{"input": x})
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range again["logits"].F {
			if math.Float32bits(v) != math.Float32bits(first["logits"].F[j]) {
				t.Fatalf("run %d differs from run 1 at %d: %v vs %v", i+1, j, v, first["logits"].F[j])
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
