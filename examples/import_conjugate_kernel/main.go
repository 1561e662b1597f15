// Command import_conjugate_kernel imports an ONNX network (for example a
// CIFAR ResNet exported from PyTorch by tools/export_resnets.py), finds its
// penultimate features (the input of the last Gemm or MatMul, after global
// pooling), and computes their conjugate kernel K(x, x') = <phi(x),
// phi(x')> on a batch of inputs with hierlearn's importer. It prints the
// Gram matrix's size, its mean diagonal and how much of its trace the top
// eigenvalues hold, and checks it against the kernel solver's own Gram.
//
//	go run ./examples/import_conjugate_kernel -model resnet20a_op13_folded.onnx [-n 32]
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/hierlearn/hierlearn/export"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/importer/analysis"
	"github.com/hierlearn/hierlearn/train/kernel"
)

func main() {
	model := flag.String("model", "", "ONNX model with one float input (required)")
	n := flag.Int("n", 32, "number of random inputs")
	flag.Parse()
	if *model == "" {
		log.Fatal("-model is required")
	}
	if _, err := run(os.Stdout, *model, *n); err != nil {
		log.Fatal(err)
	}
}

// penultimate returns the name of the tensor that feeds the model's last
// Gemm or MatMul: the features a linear head reads.
func penultimate(path string) (string, error) {
	m, err := export.ReadModel(path)
	if err != nil {
		return "", err
	}
	nodes := m.Nodes()
	for i := len(nodes) - 1; i >= 0; i-- {
		if op := nodes[i].Op; op == "Gemm" || op == "MatMul" {
			return nodes[i].Inputs[0], nil
		}
	}
	return "", fmt.Errorf("%s has no Gemm or MatMul head", path)
}

// run computes the conjugate kernel of n random standard-normal inputs and
// returns its Gram matrix (n x n, row-major).
func run(w io.Writer, path string, n int) ([]float64, error) {
	feat, err := penultimate(path)
	if err != nil {
		return nil, err
	}
	m, err := importer.Load(path)
	if err != nil {
		return nil, err
	}
	fm, err := analysis.ConjugateMap(m, feat)
	if err != nil {
		return nil, err
	}
	// Inputs: n standard-normal images of the model's input shape.
	vi := m.Inputs[0]
	dim := 1
	for _, s := range vi.Shape[1:] {
		dim *= s
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := kernel.NewMatrix(n, dim)
	for i := range x.Data {
		x.Data[i] = rng.NormFloat64()
	}
	phi, err := fm.Features(x)
	if err != nil {
		return nil, err
	}
	// The kernel solver's view of the same kernel.
	gram := make([]float64, n*n)
	if err := (kernel.FeatureKernel{Map: fm}).Gram(x, x, gram); err != nil {
		return nil, err
	}
	// Eigenvalues of the Gram matrix.
	var eig mat.EigenSym
	if !eig.Factorize(mat.NewSymDense(n, append([]float64(nil), gram...)), false) {
		return nil, fmt.Errorf("eigendecomposition failed")
	}
	ev := eig.Values(nil)
	sort.Sort(sort.Reverse(sort.Float64Slice(ev)))
	var trace, diag float64
	for i, v := range ev {
		trace += v
		diag += gram[i*n+i]
	}
	top := 0.0
	for _, v := range ev[:min(5, n)] {
		top += v
	}
	fmt.Fprintf(w, "model %s: penultimate tensor %q, %d features\n", path, feat, phi.Cols)
	fmt.Fprintf(w, "conjugate kernel on %d random inputs: mean diagonal %.4g, smallest eigenvalue %.3g, top-5 eigenvalues hold %.1f%% of the trace\n",
		n, diag/float64(n), ev[n-1], 100*top/trace)
	if ev[n-1] < -1e-6*math.Abs(ev[0]) {
		return gram, fmt.Errorf("Gram matrix is not positive semi-definite (eigenvalue %g)", ev[n-1])
	}
	return gram, nil
}
