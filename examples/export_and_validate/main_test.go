package main

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/export"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.onnx")
	rel, err := run(io.Discard, filepath.Join(dir, "run"), path)
	if err != nil {
		t.Fatal(err)
	}
	if !(rel <= 1e-5) {
		t.Fatalf("imported model differs from the Go model by %g (relative), want <= 1e-5", rel)
	}
	if _, err := export.ReadModel(path); err != nil {
		t.Fatalf("written file does not read back: %v", err)
	}
}
