package export

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeModel feeds arbitrary bytes to DecodeModel; whatever decodes
// must survive Inspect, WriteText and Dump (no panic on odd models:
// missing types, inconsistent raw data, unknown enums).
func FuzzDecodeModel(f *testing.F) {
	files, _ := filepath.Glob("../internal/onnxpb/testdata/*.onnx")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	m, err := affine(13).Build()
	if err != nil {
		f.Fatal(err)
	}
	b, err := Marshal(m)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("not a model"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			return
		}
		m, err := DecodeModel(b)
		if err != nil {
			if !errors.Is(err, ErrNotModel) {
				t.Fatalf("error %v does not wrap ErrNotModel", err)
			}
			return
		}
		var out bytes.Buffer
		if err := Inspect(m).WriteText(&out); err != nil {
			t.Fatal(err)
		}
		if err := Dump(&out, m); err != nil {
			t.Fatal(err)
		}
	})
}

func TestReadModelErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadModel(filepath.Join(dir, "missing.onnx")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	p := filepath.Join(dir, "junk.onnx")
	os.WriteFile(p, []byte{0xff, 0xff, 0xff}, 0o644)
	if _, err := ReadModel(p); !errors.Is(err, ErrNotModel) {
		t.Errorf("junk: %v", err)
	}
}
