package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hierlearn/hierlearn/internal/crosscheck"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// Tolerances of TestFitTracksTorch, on the relative difference of the
// loss at each step, |ours - torch| / torch. Measured (AMD EPYC, AVX-512,
// OpenBLAS; ResNet-20 option B, random 3x32x32 inputs, batch 32, SGD lr
// 0.001 momentum 0.9): against torch in float32 at most 2.6e-5 over the
// first 10 steps, 1.2e-4 over 20 and 3.0e-3 over 50. The growth is not
// ours: torch in float32 against torch in float64 on the same batches
// drifts as fast (2.6e-4 over 20 steps, 2.1e-3 over 50). The issue asks
// for 1e-3 over 50 steps; that needs a setting where float32 itself stays
// well below it, and none of the standard ones does. torch float32 against
// float64 (tools/fit_ref.py's network, Fashion-MNIST at 32x32, momentum
// 0.9, the same batches), the step where the drift first passes 1e-3:
//
//	batch  lr     init (BN)            drift
//	32     0.001  exported, randomised  5e-3 at step 18
//	32     0.01   exported, randomised  6e-3 at step 6
//	32     0.02   exported, randomised  5e-3 at step 4
//	32     0.1    exported, randomised  7.8e-2 by step 10
//	128    0.001  exported, randomised  6e-4 over 20 steps, 1.1e-3 over 50
//	128    0.01   exported, randomised  3e-3 at step 8
//	128    0.02   exported, randomised  2e-3 at step 7
//	128    0.05   exported, randomised  4e-3 at step 5
//	128    0.1    exported, randomised  3e-3 at step 3
//	128    0.01   PyTorch's default     1e-3 at step 6, 5e-3 at 11
//	128    0.1    PyTorch's default     1e-3 at step 4, 9e-3 at 5
//
// It grows 3x to 1000x a step once under way (training-mode BatchNorm
// with momentum amplifies float32 rounding), so no float32 implementation
// tracks a run to 1e-3 for 50 steps at these settings; the test keeps
// the small-lr setting, where 10 steps are within reach, and checks the
// whole run (50 steps with HIERLEARN_LONG=1) against the float64 run
// relative to torch float32's own drift. Checked to fail: the momentum
// buffer fed 0.99 of each gradient gives 3.3e-4 over the first 10 steps
// (0.999 of it, 3e-5, passes).
const (
	// fitTrackTol10 bounds the first 10 steps against torch in float32.
	fitTrackTol10 = 2.5e-4
	// fitSpreadFactor bounds our distance from torch's float64 run over
	// every step by this multiple of torch float32's own distance from
	// it: we track the exact run as closely as torch does.
	fitSpreadFactor = 10
)

// TestFitTracksTorch trains a ResNet-20 with `hierlearn fit` and replays
// the same batches from the same ONNX weights in PyTorch
// (tools/fit_ref.py, float32 and float64), comparing the loss step by
// step. 20 steps (50 with HIERLEARN_LONG=1).
func TestFitTracksTorch(t *testing.T) {
	py := testutil.Python(t, "torch", "torchvision", "onnx")
	script := testutil.Tool(t, "fit_ref.py")
	steps := 20
	if os.Getenv("HIERLEARN_LONG") == "1" {
		steps = 50
	}
	dir, err := crosscheck.ExportResNets("resnet20b", "13", "kept")
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "resnet20b_op13_kept.onnx")
	tmp := t.TempDir()
	const n, per = 256, 3 * 32 * 32
	r := rand.New(rand.NewPCG(3, 4))
	x, y := make([]float32, n*per), make([]int64, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	for i := range y {
		y[i] = int64(r.IntN(10))
	}
	z := npy.NewArchive()
	z.Add("x", npy.NewFloat32(x, n, 3, 32, 32))
	z.Add("y", npy.NewInt64(y, n))
	data, batches, trained := filepath.Join(tmp, "d.npz"), filepath.Join(tmp, "b.npy"), filepath.Join(tmp, "t.onnx")
	if err := npy.WriteNPZ(data, z); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, "fit", "--model", model, "--train", data, "--batch", "32", "--lr", "0.001", "--momentum", "0.9",
		"--epochs", "10", "--steps", strconv.Itoa(steps), "--seed", "5", "--save-batches", batches, "-o", trained, "-q"); err != nil {
		t.Fatal(err)
	}
	var lg fitLog
	b, err := os.ReadFile(trained + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &lg); err != nil || len(lg.Steps) != steps {
		t.Fatalf("log: %v, %d steps", err, len(lg.Steps))
	}
	ref := func(extra ...string) []float64 {
		out := filepath.Join(tmp, "ref.json")
		args := append([]string{script, "--arch", "resnet20b", "--onnx", model, "--train", data, "--batches", batches,
			"--lr", "0.001", "--momentum", "0.9", "--out", out}, extra...)
		if b, err := exec.Command(py, args...).CombinedOutput(); err != nil {
			t.Fatalf("fit_ref.py: %v\n%s", err, b)
		}
		var res struct{ Losses []float64 }
		b, err := os.ReadFile(out)
		if err == nil {
			err = json.Unmarshal(b, &res)
		}
		if err != nil || len(res.Losses) != steps {
			t.Fatalf("fit_ref.py output: %v, %d losses", err, len(res.Losses))
		}
		return res.Losses
	}
	t32, t64 := ref(), ref("--float64")
	rel := func(a, b float64) float64 { return math.Abs(a-b) / math.Abs(b) }
	var first10, all, ours64, torch64 float64
	for i, s := range lg.Steps {
		d := rel(s.Loss, t32[i])
		if i < 10 {
			first10 = math.Max(first10, d)
		}
		all = math.Max(all, d)
		ours64 = math.Max(ours64, rel(s.Loss, t64[i]))
		torch64 = math.Max(torch64, rel(t32[i], t64[i]))
	}
	t.Logf("loss %.5g -> %.5g; ours vs torch float32: %.2g over 10 steps, %.2g over %d; vs torch float64: ours %.2g, torch float32 %.2g",
		lg.Steps[0].Loss, lg.Steps[steps-1].Loss, first10, all, steps, ours64, torch64)
	if first10 > fitTrackTol10 {
		t.Errorf("the first 10 steps' losses differ from torch's by up to %.3g relative (tolerance %g)", first10, fitTrackTol10)
	}
	if ours64 > fitSpreadFactor*torch64 {
		t.Errorf("ours drifts from torch's float64 run by %.3g relative, more than %dx torch float32's own %.3g", ours64, fitSpreadFactor, torch64)
	}
}
