package main

import (
	"bytes"
	"math"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/crosscheck"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// TestRun imports a CIFAR ResNet-20 exported from PyTorch and checks that
// the conjugate kernel the example computes is a valid Gram matrix
// (symmetric, positive diagonal, Cauchy-Schwarz) of the 64 pooled features.
func TestRun(t *testing.T) {
	testutil.Python(t, "torch", "torchvision", "onnx")
	dir, err := crosscheck.ExportResNets("resnet20a", "13", "folded")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "resnet20a_op13_folded.onnx")
	var out bytes.Buffer
	n := 8
	gram, err := run(&out, path, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	// Symmetric, positive diagonal, Cauchy-Schwarz.
	for i := 0; i < n; i++ {
		if !(gram[i*n+i] > 0) {
			t.Fatalf("K[%d,%d] = %g", i, i, gram[i*n+i])
		}
		for j := 0; j < n; j++ {
			a, b := gram[i*n+j], gram[j*n+i]
			if math.Abs(a-b) > 1e-9*math.Abs(a) {
				t.Fatalf("K not symmetric at %d,%d: %g vs %g", i, j, a, b)
			}
			if a*a > gram[i*n+i]*gram[j*n+j]*(1+1e-9) {
				t.Fatalf("K violates Cauchy-Schwarz at %d,%d", i, j)
			}
		}
	}
	// The features of the ResNet-20 head: 64 pooled channels.
	if !bytes.Contains(out.Bytes(), []byte("64 features")) {
		t.Errorf("output: %s", out.String())
	}
	// Sanity: the model itself still runs (the example did not alter it).
	if _, err := importer.Load(path); err != nil {
		t.Fatal(err)
	}
}
