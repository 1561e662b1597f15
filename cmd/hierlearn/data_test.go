package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
)

// fmnistTiny is a 4+2 image Fashion-MNIST lookalike (3x3 pixels) written by
// a few lines of Python (see the report of issue 2): train pixel i of the
// flattened array is (7 i) mod 256, labels 9 0 1 2; test images all-white
// and all-black with labels 3 4.
var fmnistTiny = filepath.Join("..", "..", "testdata", "concept", "fmnist-tiny")

func TestDataFashionMNIST(t *testing.T) {
	out := t.TempDir()
	stdout, err := runCLI(t, "data", "fashion-mnist", "--dir", fmnistTiny, "-o", out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "train.npz: 4 x 9") || !strings.Contains(stdout, "test.npz: 2 x 9") {
		t.Errorf("output %q", stdout)
	}
	train, err := concept.LoadDataset(filepath.Join(out, "train.npz"))
	if err != nil {
		t.Fatal(err)
	}
	test, err := concept.LoadDataset(filepath.Join(out, "test.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if train.Task != "multiclass" || train.N != 4 || train.D != 9 || test.N != 2 {
		t.Fatalf("train %s %dx%d, test %d", train.Task, train.N, train.D, test.N)
	}
	for i, v := range train.X {
		if want := float64((7*i)%256) / 255; v != want {
			t.Fatalf("train x[%d] = %v, want %v", i, v, want)
		}
	}
	if train.Labels[0] != 9 || train.Labels[3] != 2 || test.Labels[1] != 4 || test.X[0] != 1 || test.X[9] != 0 {
		t.Errorf("labels %v %v", train.Labels, test.Labels)
	}
}

func TestDataFashionMNISTBad(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	empty := t.TempDir()
	if _, err := runCLI(t, "data", "fashion-mnist", "--dir", empty, "-o", out); err == nil ||
		!strings.Contains(err.Error(), filepath.Join(empty, "train-images-idx3-ubyte.gz")) {
		t.Errorf("missing files: err = %v", err)
	}
	if _, err := runCLI(t, "data", "fashion-mnist", "--dir", fmnistTiny); err == nil || !strings.Contains(err.Error(), "-o") {
		t.Errorf("missing -o: err = %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed conversion created the output directory")
	}
}

func TestDataSparseCoding(t *testing.T) {
	out := t.TempDir()
	stdout, err := runCLI(t, "data", "sparse-coding", "--d", "16", "--margin", "0.5", "--n", "40", "--n-test", "10", "-o", out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "train.npz: 40 x 16") || !strings.Contains(stdout, "test.npz: 10 x 16") {
		t.Errorf("output %q", stdout)
	}
	sc, err := concept.LoadSparseCoding(filepath.Join(out, "dictionary.json"))
	if err != nil {
		t.Fatal(err)
	}
	train, err := concept.LoadDataset(filepath.Join(out, "train.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Spec.K != 4 || sc.Spec.Margin != 0.5 || train.Task != "classification" || train.Meta["source"] != "sparse-coding" {
		t.Errorf("spec %+v, task %s, meta %v", sc.Spec, train.Task, train.Meta)
	}
	if _, err := runCLI(t, "data", "sparse-coding", "--d", "1", "-o", out); err == nil || !strings.Contains(err.Error(), "d = 1") {
		t.Errorf("d=1: err = %v", err)
	}
}
