package analysis

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/crosscheck"
	"github.com/hierlearn/hierlearn/internal/numeric"
)

// BenchmarkFitStepResNet20 times one training step (forward, backward,
// SGD update) of the CIFAR ResNet-20 (option B, BN kept, training-mode
// BatchNormalization) at batch 128 on random 3x32x32 images: what
// `hierlearn bench fit` times per step, without PyTorch. Run with
// -cpu 1 to match the bench's default thread count.
func BenchmarkFitStepResNet20(b *testing.B) {
	dir, err := crosscheck.ExportResNets("resnet20b", "13", "kept")
	if err != nil {
		b.Skip(err)
	}
	numeric.SetBLASThreads(1)
	m, err := importer.LoadWith(filepath.Join(dir, "resnet20b_op13_kept.onnx"), importer.LoadOptions{NoFold: true})
	if err != nil {
		b.Fatal(err)
	}
	ps, err := SelectTrainable(m, "")
	if err != nil {
		b.Fatal(err)
	}
	md, err := New(m, "", ps)
	if err != nil {
		b.Fatal(err)
	}
	const n, per = 128, 3 * 32 * 32
	r := rand.New(rand.NewPCG(1, 2))
	x, y := make([]float64, n*per), make([]int64, n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	for i := range y {
		y[i] = int64(r.IntN(10))
	}
	ds := &concept.Dataset{N: n, D: per, X: x, Labels: y}
	// One run of b.N+1 steps (one per epoch of the n examples), the clock
	// started after the first (which plans and allocates the buffers).
	opt := FitOptions{LR: 0.01, Momentum: 0.9, Batch: n, Epochs: b.N + 1, Seed: 1,
		Progress: func(step, _ int, _ float64) {
			if step == 1 {
				b.ResetTimer()
			}
		}}
	b.ReportAllocs()
	if _, err := md.Fit(ds, opt); err != nil {
		b.Fatal(err)
	}
}
