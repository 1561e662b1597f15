package main

import (
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/internal/crosscheck"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// ntkTokenTol bounds max|K - K_torch| / max|K_torch| for the token
// encoder's NTK (the issue asks for 1e-4). Measured: 1.1e-7 (1e-5 of
// 91.5; AMD EPYC, AVX-512); dropping the word embedding table's gradient
// (the path through Gather) fails it at 3.5e-4.
const ntkTokenTol = 1e-6

// TestNTKTokenEncoderMatchesTorch: `hierlearn ntk` on a 2-layer
// transformer encoder over token ids (tools/export_transformers.py
// ntk-encoder: vocabulary 50, hidden 16, sequence 8, pooler output of 16)
// gives the empirical NTK, traced over the outputs and taken with respect
// to every parameter (the embedding tables through Gather included), that
// torch autograd gives.
func TestNTKTokenEncoderMatchesTorch(t *testing.T) {
	py := testutil.Python(t, "torch", "onnx")
	script := testutil.Tool(t, "export_transformers.py")
	cache, err := crosscheck.ExportTransformers("ntk-encoder", "17")
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(cache, "ntk-encoder_op17.onnx")
	dir := t.TempDir()
	const n, seq = 6, 8
	r := rand.New(rand.NewPCG(3, 4))
	ids := make([]int64, n*seq)
	for i := range ids {
		ids[i] = int64(r.IntN(50))
	}
	copy(ids[seq:2*seq], ids[:seq]) // rows 0 and 1 differ in their last token alone
	ids[2*seq-1] = (ids[seq-1] + 1) % 50
	z := npy.NewArchive()
	z.Add("x", npy.NewInt64(ids, n, seq))
	data, ref := filepath.Join(dir, "ids.npz"), filepath.Join(dir, "ref.npz")
	if err := npy.WriteNPZ(data, z); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(py, script, "--out", dir, "--ntk", data, ref).CombinedOutput(); err != nil {
		t.Fatalf("export_transformers.py --ntk: %v\n%s", err, out)
	}
	rz, err := npy.ReadNPZ(ref)
	if err != nil {
		t.Fatal(err)
	}
	want, err := rz.Get("ntk")
	if err != nil {
		t.Fatal(err)
	}
	k := filepath.Join(dir, "K.npy")
	if _, err := runCLI(t, "ntk", "--model", model, "--data", data, "--chunk", "4", "-o", k); err != nil {
		t.Fatal(err)
	}
	got := readNPY(t, k)
	if len(got.F64) != n*n || want.Len() != n*n {
		t.Fatalf("K has shape %v, torch's %v", got.Shape, want.Shape)
	}
	var d, scale float64
	for i, w := range want.Float64s() {
		d = math.Max(d, math.Abs(got.F64[i]-w))
		scale = math.Max(scale, math.Abs(w))
	}
	t.Logf("NTK [%d %d]: max|diff| %.3g of max|K| %.3g (%.2g relative)", n, n, d, scale, d/scale)
	if !(d <= ntkTokenTol*scale) {
		t.Errorf("NTK differs from torch's by %.3g > %g * %.3g", d, ntkTokenTol, scale)
	}

	// Ids that are not whole numbers, or a float x, are refused.
	bad := filepath.Join(dir, "bad.npy")
	fz := npy.NewArchive()
	fz.Add("x", npy.NewFloat32(make([]float32, n*seq), n, seq))
	fdata := filepath.Join(dir, "float.npz")
	if err := npy.WriteNPZ(fdata, fz); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, "ntk", "--model", model, "--data", fdata, "-o", bad); err == nil {
		t.Error("float x for a token model: no error")
	}
	noFile(t, bad)
}
