package npy

import (
	"bytes"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/internal/testutil"
)

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		a    *Array
	}{
		{"f64 matrix", NewFloat64([]float64{1, -2.5, math.Pi, math.SmallestNonzeroFloat64, math.MaxFloat64, 0}, 2, 3)},
		{"f32 vector", NewFloat32([]float32{1, 2, 3}, 3)},
		{"i64 3d", NewInt64([]int64{1, -2, 3, math.MaxInt64}, 1, 2, 2)},
		{"scalar", NewFloat64([]float64{7})},
		{"empty", NewFloat64([]float64{}, 0, 5)},
		{"bytes", NewBytes([]byte(`{"a":1}`))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, c.a); err != nil {
				t.Fatal(err)
			}
			if buf.Len() < 64 || (buf.Len()-c.a.Len()*map[DType]int{Float32: 4, Float64: 8, Int64: 8, Uint8: 1}[c.a.DType])%64 != 0 {
				t.Errorf("header not 64-byte aligned: total %d", buf.Len())
			}
			got, err := Decode(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.a) {
				t.Fatalf("round trip = %+v, want %+v", got, c.a)
			}
		})
	}
}

func TestArchiveDeterministicAndRoundTrip(t *testing.T) {
	z := NewArchive()
	z.Add("x", NewFloat64([]float64{1, 2, 3, 4}, 2, 2))
	z.Add("y", NewFloat32([]float32{5, 6}, 2))
	var b1, b2 bytes.Buffer
	if err := WriteArchive(&b1, z); err != nil {
		t.Fatal(err)
	}
	WriteArchive(&b2, z)
	if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
		t.Fatal("same archive encodes to different bytes")
	}
	got, err := DecodeArchive(b1.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Names, []string{"x", "y"}) || !reflect.DeepEqual(got.Arrays, z.Arrays) {
		t.Fatalf("decoded %+v", got)
	}
	if _, err := got.Get("s9"); err == nil || !strings.Contains(err.Error(), "x, y") {
		t.Fatalf("Get of a missing array: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	var good bytes.Buffer
	Write(&good, NewFloat64([]float64{1, 2, 3}, 3))
	g := good.Bytes()
	cases := map[string][]byte{
		"empty":       nil,
		"bad magic":   append([]byte("NOTNPY"), g[6:]...),
		"truncated":   g[:len(g)-1],
		"extra bytes": append(append([]byte{}, g...), 0),
		"header only": g[:20],
		"fortran":     bytes.Replace(g, []byte("False"), []byte("True "), 1),
		"dtype":       bytes.Replace(g, []byte("<f8"), []byte("<c8"), 1),
		"huge shape":  bytes.Replace(g, []byte("(3,)"), []byte("(9999999999,)"), 1),
		"neg shape":   bytes.Replace(g, []byte("(3,)"), []byte("(-3,)"), 1),
		"version 9":   append(append([]byte{}, g[:6]...), append([]byte{9}, g[7:]...)...),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(b); err == nil {
				t.Fatal("no error")
			} else if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
		})
	}
	if _, err := DecodeArchive([]byte("PK garbage")); !errors.Is(err, ErrFormat) {
		t.Fatalf("corrupt npz: %v", err)
	}
}

// TestNumpyInterop checks the files against numpy itself, both ways.
func TestNumpyInterop(t *testing.T) {
	py := testutil.Python(t, "numpy")
	dir := t.TempDir()
	z := NewArchive()
	z.Add("x", NewFloat64([]float64{1.5, -2, 3e-300, 4}, 2, 2))
	z.Add("y", NewFloat32([]float32{5, 6, 7}, 3))
	z.Add("l", NewInt64([]int64{-1, 9}, 2))
	goFile := filepath.Join(dir, "go.npz")
	if err := WriteNPZ(goFile, z); err != nil {
		t.Fatal(err)
	}
	pyFile := filepath.Join(dir, "py.npz")
	script := `
import numpy as np, sys
z = np.load(sys.argv[1])
assert z["x"].dtype == np.float64 and z["x"].shape == (2, 2), z["x"]
assert (z["x"] == np.array([[1.5, -2], [3e-300, 4]])).all()
assert z["y"].dtype == np.float32 and list(z["y"]) == [5, 6, 7]
assert z["l"].dtype == np.int64 and list(z["l"]) == [-1, 9]
np.savez_compressed(sys.argv[2], a=np.arange(6, dtype=np.float32).reshape(3, 2), b=np.array([True, False]), c=np.array([1, 2], dtype=np.int32))
`
	out, err := exec.Command(py, "-c", script, goFile, pyFile).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy rejected our .npz: %v\n%s", err, out)
	}
	got, err := ReadNPZ(pyFile)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := got.Get("a")
	if !reflect.DeepEqual(a.Shape, []int{3, 2}) || !reflect.DeepEqual(a.F32, []float32{0, 1, 2, 3, 4, 5}) {
		t.Fatalf("a = %+v", a)
	}
	b, _ := got.Get("b")
	c, _ := got.Get("c")
	if !reflect.DeepEqual(b.I64, []int64{1, 0}) || !reflect.DeepEqual(c.I64, []int64{1, 2}) {
		t.Fatalf("b = %+v, c = %+v", b, c)
	}
}

func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.npy")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err == nil {
			f.Add(b)
		}
	}
	var buf bytes.Buffer
	Write(&buf, NewFloat32([]float32{1, 2, 3, 4}, 2, 2))
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Decode(b)
		if err != nil {
			return
		}
		// A decoded array must re-encode and decode to itself.
		var out bytes.Buffer
		if err := Write(&out, a); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		b2, err := Decode(out.Bytes())
		if err != nil {
			t.Fatalf("decode of re-encoded: %v", err)
		}
		if Size(b2.Shape) != Size(a.Shape) || b2.Len() != a.Len() {
			t.Fatalf("re-decoded shape %v, want %v", b2.Shape, a.Shape)
		}
	})
}

func FuzzDecodeArchive(f *testing.F) {
	z := NewArchive()
	z.Add("x", NewFloat64([]float64{1, 2}, 2))
	var buf bytes.Buffer
	WriteArchive(&buf, z)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodeArchive(b)
	})
}
