package export

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/testutil"
	"github.com/hierlearn/hierlearn/internal/version"
	"github.com/hierlearn/hierlearn/train"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// goldenDir holds the golden dumps shared with cmd/hierlearn's tests.
const goldenDir = "../testdata/export"

// stable replaces what changes from build to build (the version, and the
// concept checksum, which covers the generator version) by placeholders.
func stable(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte(version.Full()), []byte("VERSION"))
	return regexp.MustCompile(`(?m)^(metadata concept_checksum = ).*$`).ReplaceAll(b, []byte("${1}CHECKSUM"))
}

// golden compares got with testdata/export/name, or rewrites it under
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testutil.Golden(t, filepath.Join(goldenDir, name), got)
}

// TestGoldenConceptDumps pins the graphs of two tiny concepts.
func TestGoldenConceptDumps(t *testing.T) {
	cases := []struct {
		file  string
		spec  concept.Spec
		opset int
	}{
		{"concept_hq_opset17.txt", concept.Spec{D: 3, Layers: 3, Widths: []int{2}, Seed: 7}, 17},
		{"concept_hq_chain_opset13.txt", concept.Spec{D: 3, Layers: 3, Widths: []int{2}, Skip: concept.SkipChain, Task: concept.TaskClassification, Seed: 7}, 13},
		{"concept_relu_opset17.txt", concept.Spec{Family: concept.FamilyReLU, D: 3, Layers: 2, Widths: []int{2}, Seed: 7}, 17},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			con, err := concept.New(c.spec)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Concept(con, c.opset)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Dump(&b, m); err != nil {
				t.Fatal(err)
			}
			golden(t, c.file, stable(b.Bytes()))
		})
	}
}

// handHNet is a small HNet with fixed weights (d=2, L=3, k'=2), so that
// its golden dump does not depend on training (and hence on the BLAS).
func handHNet() *train.HNet {
	a := train.NewArch(2, 3, 2)
	return &train.HNet{Format: train.HNetFormat, Learner: "hnet", DType: "float32", Arch: a, NormEps: 1e-5,
		Layers: []train.HNetLayer{
			{Layer: 2, K: [][]float64{{1, 0, 0.5, 0}, {0, -1, 0, 0.25}},
				R:        [][]float64{{1, 0}, {0, 1}, {0.6, 0.8}},
				NormMean: []float64{1, 1, 1}, NormVar: []float64{2, 2, 3}},
			{Layer: 3, K: [][]float64{{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}, {-0.1, -0.2, -0.3, -0.4, -0.5, -0.6, -0.7}}},
		},
		A: []float64{0.5, 0.25}, B: 0.125}
}

func handMLP() *train.MLP {
	return &train.MLP{Format: train.MLPFormat, Learner: "mlp", DType: "float64", Activation: "relu", Sizes: []int{2, 3, 1},
		Layers: []train.MLPLayer{
			{W: [][]float64{{1, 2}, {3, 4}, {5, 6}}, B: []float64{0.1, 0.2, 0.3}},
			{W: [][]float64{{1, -1, 0.5}}, B: []float64{-0.5}},
		}}
}

// TestGoldenLearnerDumps pins the graphs of a hand-made HNet and MLP,
// exported from run directories through Run.
func TestGoldenLearnerDumps(t *testing.T) {
	cases := []struct {
		file  string
		model train.Model
		opset int
	}{
		{"hnet_L3_opset17.txt", handHNet(), 17},
		{"mlp_opset13.txt", handMLP(), 13},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "golden_run")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := train.SaveModel(dir, c.model); err != nil {
				t.Fatal(err)
			}
			m, err := Run(dir, c.opset)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Dump(&b, m); err != nil {
				t.Fatal(err)
			}
			golden(t, c.file, stable(b.Bytes()))
		})
	}
}

// TestGoldenKernelDumps pins the graphs of two hand-made kernel
// predictors (poly:3 and ntk:2, two centers in d=2), saved and exported
// through Run.
func TestGoldenKernelDumps(t *testing.T) {
	centers := kernel.Matrix{Rows: 2, Cols: 2, Data: []float64{1, 0, -0.5, 2}}
	alpha := kernel.Matrix{Rows: 2, Cols: 1, Data: []float64{0.75, -0.25}}
	cases := []struct {
		file string
		k    kernel.Kernel
	}{
		{"kernel_poly3_opset17.txt", kernel.Poly{Degree: 3, C: 1}},
		{"kernel_ntk2_opset17.txt", kernel.ReLU{Depth: 2}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			p := &kernel.Predictor{Kernel: c.k, Task: concept.TaskRegression, D: 2, Form: kernel.FormDual, Centers: centers, Alpha: alpha}
			dir := filepath.Join(t.TempDir(), "golden_run")
			if err := p.Save(filepath.Join(dir, kernel.PredictorFile), 5); err != nil {
				t.Fatal(err)
			}
			m, err := Run(dir, 17)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Dump(&b, m); err != nil {
				t.Fatal(err)
			}
			golden(t, c.file, stable(b.Bytes()))
		})
	}
}
