package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/export"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/npy"
)

// gradCNN writes a small CNN with BatchNormalization (Conv, BN, Relu,
// GlobalAveragePool, Flatten, Gemm to 3 logits; input [batch, 2, 5, 5]),
// a batch x.npy of 4 examples and data.npz (x, int64 labels y) of 24, and
// returns their paths.
func gradCNN(t *testing.T) (model, x, data string) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	rn := func(n int, s float64) []float32 {
		o := make([]float32, n)
		for i := range o {
			o[i] = float32(s * r.NormFloat64())
		}
		return o
	}
	pos := func(n int) []float32 {
		o := make([]float32, n)
		for i := range o {
			o[i] = 0.5 + r.Float32()
		}
		return o
	}
	g := export.NewGraph("gradcnn")
	g.SetOpset(13)
	in := g.Input("input", dtype.Float32, export.Batch, 2, 5, 5)
	h := g.Node("Conv", "conv1", []string{in, export.Initializer(g, "conv1.weight", rn(4*2*9, 0.5), 4, 2, 3, 3)}, export.Ints("pads", 1, 1, 1, 1))
	h = g.Node("BatchNormalization", "bn1", []string{h, export.Initializer(g, "bn1.weight", pos(4), 4), export.Initializer(g, "bn1.bias", rn(4, 0.1), 4),
		export.Initializer(g, "bn1.running_mean", rn(4, 0.1), 4), export.Initializer(g, "bn1.running_var", pos(4), 4)})
	h = g.Node("Relu", "relu", []string{h})
	h = g.Node("GlobalAveragePool", "gap", []string{h})
	h = g.Node("Flatten", "flat", []string{h})
	g.NodeN("Gemm", "fc", []string{h, export.Initializer(g, "fc.weight", rn(12, 1), 3, 4), export.Initializer(g, "fc.bias", rn(3, 0.1), 3)},
		[]string{"logits"}, export.Int("transB", 1))
	g.Output("logits", dtype.Float32, "logits", export.Batch, 3)
	model = filepath.Join(dir, "cnn.onnx")
	if err := g.Write(model); err != nil {
		t.Fatal(err)
	}
	x = filepath.Join(dir, "x.npy")
	if err := npy.WriteFile(x, npy.NewFloat32(rn(4*50, 1), 4, 2, 5, 5)); err != nil {
		t.Fatal(err)
	}
	z := npy.NewArchive()
	z.Add("x", npy.NewFloat32(rn(24*50, 1), 24, 2, 5, 5))
	y := make([]int64, 24)
	for i := range y {
		y[i] = int64(i % 3)
	}
	z.Add("y", npy.NewInt64(y, 24))
	data = filepath.Join(dir, "data.npz")
	if err := npy.WriteNPZ(data, z); err != nil {
		t.Fatal(err)
	}
	return model, x, data
}

func readNPY(t *testing.T, path string) *npy.Array {
	t.Helper()
	a, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// noFile fails unless path is absent (no partial output).
func noFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		t.Errorf("%s was written despite the error", path)
	}
}

func TestGradCommand(t *testing.T) {
	model, x, _ := gradCNN(t)
	dir := t.TempDir()
	gx := filepath.Join(dir, "gx.npy")
	if _, err := runCLI(t, "grad", "--model", model, "--input", x, "--target", "1", "-o", gx); err != nil {
		t.Fatal(err)
	}
	a := readNPY(t, gx)
	if fmtInts(a.Shape) != "[4,2,5,5]" {
		t.Errorf("input gradient shape %v", a.Shape)
	}
	var meta map[string]any
	b, err := os.ReadFile(gx + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil || meta["version"] == nil {
		t.Errorf("provenance %s: %v", b, err)
	}
	// Finite-difference check of some elements through the plain executor
	// (step 1e-3: small enough not to cross a ReLU kink at these points).
	m, err := importer.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	xa := readNPY(t, x)
	f := func() float64 {
		in, _ := importer.NewFloat32(append([]float32{}, xa.F32...), 4, 2, 5, 5)
		out, err := importer.NewSession(m).Run(map[string]*importer.Tensor{"input": in})
		if err != nil {
			t.Fatal(err)
		}
		var s float64
		for i := 0; i < 4; i++ {
			s += float64(out["logits"].F[i*3+1])
		}
		return s
	}
	for _, j := range []int{0, 33, 120, 199} {
		v := xa.F32[j]
		xa.F32[j] = v + 1e-3
		p := f()
		xa.F32[j] = v - 1e-3
		q := f()
		xa.F32[j] = v
		fd := (p - q) / 2e-3
		if math.Abs(fd-float64(a.F32[j])) > 2e-3+1e-2*math.Abs(fd) {
			t.Errorf("d logit1 / d x[%d] = %.5g, finite difference %.5g", j, a.F32[j], fd)
		}
	}
	gw := filepath.Join(dir, "gw.npy")
	if _, err := runCLI(t, "grad", "--model", model, "--input", x, "--wrt", "bn1.weight", "-o", gw); err != nil {
		t.Fatal(err)
	}
	if w := readNPY(t, gw); len(w.F32) != 4 {
		t.Errorf("bn1.weight gradient shape %v", w.Shape)
	}
	for _, c := range []struct{ args []string }{
		{[]string{"--wrt", "nope"}},
		{[]string{"--target", "7"}},
		{[]string{"--output", "nope"}},
	} {
		bad := filepath.Join(dir, "bad.npy")
		args := append([]string{"grad", "--model", model, "--input", x, "-o", bad}, c.args...)
		if _, err := runCLI(t, args...); err == nil {
			t.Errorf("%v: no error", c.args)
		}
		noFile(t, bad)
	}
	bad := filepath.Join(dir, "bad.npy")
	if _, err := runCLI(t, "grad", "--model", model, "--input", filepath.Join(dir, "missing.npy"), "-o", bad); err == nil {
		t.Error("missing input: no error")
	}
	noFile(t, bad)
}

func fmtInts(s []int) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestNTKCommand(t *testing.T) {
	model, _, data := gradCNN(t)
	dir := t.TempDir()
	k := filepath.Join(dir, "K.npy")
	if _, err := runCLI(t, "ntk", "--model", model, "--data", data, "--params", "^fc\\.", "--chunk", "5", "-o", k); err != nil {
		t.Fatal(err)
	}
	K := readNPY(t, k)
	if len(K.Shape) != 2 || K.Shape[0] != 24 || K.Shape[1] != 24 {
		t.Fatalf("K shape %v", K.Shape)
	}
	// Symmetric and positive on the diagonal.
	for i := 0; i < 24; i++ {
		if K.F64[i*24+i] <= 0 {
			t.Errorf("K[%d,%d] = %g", i, i, K.F64[i*24+i])
		}
		for j := 0; j < i; j++ {
			if math.Abs(K.F64[i*24+j]-K.F64[j*24+i]) > 1e-9*math.Abs(K.F64[i*24+i]) {
				t.Errorf("K not symmetric at %d,%d", i, j)
			}
		}
	}
	// The conjugate kernel of the pooled features "flat" ([N, 4]) is their
	// Gram matrix; the NTK of the last layer alone is 3 (h.h' + 1).
	ck := filepath.Join(dir, "CK.npy")
	if _, err := runCLI(t, "ntk", "--model", model, "--data", data, "--conjugate", "flat", "-o", ck); err != nil {
		t.Fatal(err)
	}
	C := readNPY(t, ck)
	for i := 0; i < 24; i++ {
		for j := 0; j < 24; j++ {
			if want := 3 * (C.F64[i*24+j] + 1); math.Abs(K.F64[i*24+j]-want) > 1e-5*math.Abs(want)+1e-6 {
				t.Fatalf("NTK[%d,%d] of the last layer %.6g, 3 (CK + 1) = %.6g", i, j, K.F64[i*24+j], want)
			}
		}
	}
	bad := filepath.Join(dir, "bad.npy")
	if _, err := runCLI(t, "ntk", "--model", model, "--data", data, "--params", "^nomatch$", "-o", bad); err == nil {
		t.Error("no matching params: no error")
	}
	noFile(t, bad)
	if _, err := runCLI(t, "ntk", "--model", model, "--data", data, "--conjugate", "nope", "-o", bad); err == nil {
		t.Error("unknown tensor: no error")
	}
	noFile(t, bad)
}

func TestAttributeCommand(t *testing.T) {
	model, x, _ := gradCNN(t)
	dir := t.TempDir()
	for _, m := range []string{"saliency", "gxi", "ig", "smoothgrad"} {
		a := filepath.Join(dir, m+".npy")
		out, err := runCLI(t, "attribute", "--model", model, "--input", x, "--method", m, "-o", a)
		if err != nil {
			t.Fatal(err)
		}
		if got := readNPY(t, a); len(got.F32) != 200 {
			t.Errorf("%s: shape %v", m, got.Shape)
		}
		if m == "ig" && !strings.Contains(out, "f(x) - f(baseline)") {
			t.Errorf("ig output lacks the completeness check:\n%s", out)
		}
	}
	bad := filepath.Join(dir, "bad.npy")
	if _, err := runCLI(t, "attribute", "--model", model, "--input", x, "--method", "lime", "-o", bad); err == nil {
		t.Error("unknown method: no error")
	}
	noFile(t, bad)
}

func TestAttackCommand(t *testing.T) {
	model, _, data := gradCNN(t)
	dir := t.TempDir()
	js := filepath.Join(dir, "res.json")
	out, err := runCLI(t, "attack", "--model", model, "--data", data, "--method", "pgd", "--eps", "0.5", "--json", js)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "under attack") {
		t.Errorf("output:\n%s", out)
	}
	var res map[string]any
	b, _ := os.ReadFile(js)
	if err := json.Unmarshal(b, &res); err != nil || res["attack_accuracy"] == nil {
		t.Errorf("result %s: %v", b, err)
	}
	if _, err := runCLI(t, "attack", "--model", model, "--data", data, "--method", "cw"); err == nil {
		t.Error("unknown method: no error")
	}
}

func TestFinetuneCommand(t *testing.T) {
	model, x, data := gradCNN(t)
	dir := t.TempDir()
	tuned := filepath.Join(dir, "tuned.onnx")
	out, err := runCLI(t, "finetune", "--model", model, "--train", data, "--params", "^(fc|bn1)\\.(weight|bias)$",
		"--optimizer", "adam", "--lr", "0.05", "--epochs", "3", "--batch", "8", "-o", tuned)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "final loss") {
		t.Errorf("output:\n%s", out)
	}
	// The tuned file runs, differs from the original, and keeps its graph.
	m0, err := importer.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	m1, err := importer.Load(tuned)
	if err != nil {
		t.Fatal(err)
	}
	xa := readNPY(t, x)
	in, _ := importer.NewFloat32(xa.F32, 4, 2, 5, 5)
	y0, _ := importer.NewSession(m0).Run(map[string]*importer.Tensor{"input": in})
	y1, err := importer.NewSession(m1).Run(map[string]*importer.Tensor{"input": in})
	if err != nil {
		t.Fatal(err)
	}
	same := true
	for i := range y0["logits"].F {
		same = same && y0["logits"].F[i] == y1["logits"].F[i]
	}
	if same {
		t.Error("fine-tuning changed nothing")
	}
	l0, _ := m0.OpCounts()
	l1, _ := m1.OpCounts()
	if fmtMap(l0) != fmtMap(l1) {
		t.Errorf("graph changed: %v -> %v", l0, l1)
	}
	bad := filepath.Join(dir, "bad.onnx")
	if _, err := runCLI(t, "finetune", "--model", model, "--train", data, "--optimizer", "lbfgs", "-o", bad); err == nil {
		t.Error("unknown optimizer: no error")
	}
	noFile(t, bad)
	if _, err := runCLI(t, "finetune", "--model", model, "--train", x, "-o", bad); err == nil {
		t.Error("training data that is not an npz: no error")
	}
	noFile(t, bad)
}

func fmtMap(m map[string]int) string {
	b, _ := json.Marshal(m)
	return string(b)
}
