package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
)

func TestDataLagfieldCommand(t *testing.T) {
	dir := t.TempDir()
	out, err := runCLI(t, "data", "lagfield", "--n", "6", "--n-test", "3", "--height", "6", "--width", "8", "--lags", "2",
		"--onnx", filepath.Join(dir, "target.onnx"), "-o", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "target.onnx") {
		t.Errorf("output does not name the ONNX file:\n%s", out)
	}
	ds, err := concept.LoadExamples(filepath.Join(dir, "train.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 6 || len(ds.Shape) != 3 || ds.Shape[0] != 6 || ds.Shape[1] != 6 || ds.Shape[2] != 8 {
		t.Errorf("train.npz: %d examples of %v, want 6 of [6 6 8] (3 channels x 2 lags)", ds.N, ds.Shape)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	if _, err := runCLI(t, "data", "lagfield", "--tau", "0", "-o", bad); err == nil {
		t.Error("tau 0 accepted")
	}
	noFile(t, filepath.Join(bad, "train.npz"))
}

func TestAttributeOcclusion(t *testing.T) {
	model, x, _ := gradCNN(t)
	dir := t.TempDir()
	a := filepath.Join(dir, "occ.npy")
	if _, err := runCLI(t, "attribute", "--model", model, "--input", x, "--method", "occlusion", "--target", "1", "-o", a); err != nil {
		t.Fatal(err)
	}
	if got := readNPY(t, a); len(got.F32) != 200 {
		t.Errorf("occlusion: shape %v", got.Shape)
	}
	bad := filepath.Join(dir, "bad.npy")
	if _, err := runCLI(t, "attribute", "--model", model, "--input", x, "--method", "occlusion", "-o", bad); err == nil {
		t.Error("occlusion without a target: no error")
	}
	noFile(t, bad)
}
