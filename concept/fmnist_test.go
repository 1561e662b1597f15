package concept

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/internal/testutil"
)

func TestLoadFashionMNIST(t *testing.T) {
	dir := testutil.File(t, DefaultFashionMNISTDir, "Fashion-MNIST (Debian package dataset-fashion-mnist)")
	train, test, err := LoadFashionMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ds   *Dataset
		n    int
	}{{"train", train, 60000}, {"test", test, 10000}} {
		ds := c.ds
		if ds.N != c.n || ds.D != 784 || len(ds.X) != c.n*784 || len(ds.Labels) != c.n || ds.Task != TaskMulticlass {
			t.Fatalf("%s: n=%d d=%d task=%s", c.name, ds.N, ds.D, ds.Task)
		}
		lo, hi := 1.0, 0.0
		for _, v := range ds.X {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo != 0 || hi != 1 {
			t.Errorf("%s: pixel range [%v, %v], want [0, 1]", c.name, lo, hi)
		}
		var hist [10]int
		for _, l := range ds.Labels {
			hist[l]++
		}
		for k, h := range hist {
			if h != c.n/10 {
				t.Errorf("%s: class %d has %d examples, want %d", c.name, k, h, c.n/10)
			}
		}
	}
	// The first training image is an ankle boot (class 9) in Fashion-MNIST.
	if train.Labels[0] != 9 {
		t.Errorf("first training label %d, want 9", train.Labels[0])
	}
}

// idx builds an IDX byte stream of unsigned bytes with the given dims.
func idx(dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// fixture writes a synthetic Fashion-MNIST directory: 3 train and 2 test
// images of 2x2 pixels; override replaces named files' contents.
func fixture(t *testing.T, override map[string][]byte) string {
	dir := t.TempDir()
	files := map[string][]byte{
		"train-images-idx3-ubyte.gz": gz(idx([]uint32{3, 2, 2}, []byte{0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8})),
		"train-labels-idx1-ubyte.gz": gz(idx([]uint32{3}, []byte{9, 0, 3})),
		"t10k-images-idx3-ubyte.gz":  gz(idx([]uint32{2, 2, 2}, []byte{10, 20, 30, 40, 50, 60, 70, 80})),
		"t10k-labels-idx1-ubyte.gz":  gz(idx([]uint32{2}, []byte{1, 2})),
	}
	for k, v := range override {
		files[k] = v
	}
	for name, b := range files {
		if b == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFashionMNISTFixture(t *testing.T) {
	dir := fixture(t, nil)
	t.Setenv(FashionMNISTEnv, dir)
	train, test, err := LoadFashionMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 3 || train.D != 4 || test.N != 2 {
		t.Fatalf("shapes %d x %d, %d", train.N, train.D, test.N)
	}
	if train.X[1] != 1 || train.X[2] != 0.2 || train.X[3] != 0.4 || train.Labels[0] != 9 || test.Labels[1] != 2 {
		t.Errorf("values: x %v labels %v %v", train.X[:4], train.Labels, test.Labels)
	}
	// Round trip through .npz keeps int64 labels.
	path := filepath.Join(t.TempDir(), "train.npz")
	if err := train.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadDataset(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Task != TaskMulticlass || back.Labels[0] != 9 || back.X[1] != 1 {
		t.Errorf("round trip: %s %v", back.Task, back.Labels)
	}
}

func TestFashionMNISTBad(t *testing.T) {
	img := idx([]uint32{3, 2, 2}, make([]byte, 12))
	tests := []struct {
		name     string
		override map[string][]byte
		want     string
	}{
		{"missing file", map[string][]byte{"train-labels-idx1-ubyte.gz": nil}, "no such file"},
		{"not gzip", map[string][]byte{"train-images-idx3-ubyte.gz": []byte("plain")}, "not gzip"},
		{"bad magic", map[string][]byte{"train-images-idx3-ubyte.gz": gz(append([]byte{1, 2}, img[2:]...))}, "bad magic"},
		{"float type", map[string][]byte{"train-images-idx3-ubyte.gz": gz(append([]byte{0, 0, 0x0d}, img[3:]...))}, "element type 0x0d"},
		{"truncated data", map[string][]byte{"train-images-idx3-ubyte.gz": gz(img[:len(img)-3])}, "need 12 bytes of data, found 9"},
		{"extra data", map[string][]byte{"train-images-idx3-ubyte.gz": gz(append(img, 1))}, "found 13"},
		{"truncated gzip", map[string][]byte{"train-images-idx3-ubyte.gz": gz(img)[:20]}, "train-images"},
		{"count mismatch", map[string][]byte{"train-labels-idx1-ubyte.gz": gz(idx([]uint32{2}, []byte{1, 2}))}, "has 3 images but"},
		{"label range", map[string][]byte{"t10k-labels-idx1-ubyte.gz": gz(idx([]uint32{2}, []byte{1, 12}))}, "label 12"},
		{"labels 2-D", map[string][]byte{"train-labels-idx1-ubyte.gz": gz(idx([]uint32{3, 1}, []byte{1, 2, 3}))}, "want 1 (labels)"},
		{"huge dims", map[string][]byte{"train-images-idx3-ubyte.gz": gz(idx([]uint32{1 << 31, 1 << 31, 4}, nil))}, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fixture(t, tt.override)
			_, _, err := LoadFashionMNIST(dir)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), dir) {
				t.Errorf("err = %v\nwant it to name the file and contain %q", err, tt.want)
			}
		})
	}
}

func FuzzDecodeIDX(f *testing.F) {
	f.Add(idx([]uint32{2, 2}, []byte{1, 2, 3, 4}))
	f.Add(idx([]uint32{3}, []byte{1, 2, 3}))
	f.Add([]byte{0, 0, 8})
	f.Fuzz(func(t *testing.T, b []byte) {
		data, dims, err := DecodeIDX(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrIDX) {
				t.Fatalf("error does not wrap ErrIDX: %v", err)
			}
			return
		}
		n := 1
		for _, d := range dims {
			n *= d
		}
		if n != len(data) {
			t.Fatalf("dims %v but %d bytes", dims, len(data))
		}
	})
}
