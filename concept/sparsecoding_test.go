package concept

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestSparseCodingSpec(t *testing.T) {
	for _, tc := range []struct {
		text string
		want SparseCodingSpec
		ok   bool
	}{
		{"d=100", SparseCodingSpec{D: 100, K: 10, Seed: 1}, true},
		{"d=400,k=7,noise=0.25,seed=9", SparseCodingSpec{D: 400, K: 7, Noise: 0.25, Seed: 9}, true},
		{"seed=3, d=50", SparseCodingSpec{D: 50, K: 7, Seed: 3}, true},
		{"d=100,margin=1", SparseCodingSpec{D: 100, K: 10, Margin: 1, Seed: 1}, true},
		{"d=100,margin=-1", SparseCodingSpec{}, false},
		{"d=100,margin=100", SparseCodingSpec{}, false},
		{"d=1", SparseCodingSpec{}, false},
		{"d=10,k=11", SparseCodingSpec{}, false},
		{"d=10,noise=-1", SparseCodingSpec{}, false},
		{"d=10,noise=NaN", SparseCodingSpec{}, false},
		{"d=10,colour=red", SparseCodingSpec{}, false},
		{"d=ten", SparseCodingSpec{}, false},
		{"d=100000", SparseCodingSpec{}, false},
		{"100", SparseCodingSpec{}, false},
	} {
		got, err := ParseSparseCodingSpec(tc.text)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err = %v, want ok = %v", tc.text, err, tc.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrSparseCoding) {
				t.Errorf("%q: error does not wrap ErrSparseCoding: %v", tc.text, err)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%q: %+v, want %+v", tc.text, got, tc.want)
		}
		if back, err := ParseSparseCodingSpec(got.String()); err != nil || back != got {
			t.Errorf("%q: String %q reads back as %+v, %v", tc.text, got.String(), back, err)
		}
	}
}

func TestSparseCodingModel(t *testing.T) {
	sc, err := NewSparseCoding(SparseCodingSpec{D: 64, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Spec.K != 8 {
		t.Errorf("k = %d, want round(sqrt(64)) = 8", sc.Spec.K)
	}
	if dev := orthoDeviation(sc.M, 64); dev > 1e-13 {
		t.Errorf("max |M^T M - I| = %g", dev)
	}
	for i, w := range sc.WStar {
		if w < 0.5 || w > 1 {
			t.Fatalf("w*[%d] = %v outside [1/2, 1]", i, w)
		}
	}
	ds, err := sc.Sample(4000, 5)
	if err != nil {
		t.Fatal(err)
	}
	nnz, pos := 0, 0
	for i := range ds.N {
		z := ds.Hidden[0][i*64 : (i+1)*64]
		f := 0.0
		for j, v := range z {
			if v != 0 {
				nnz++
				if a := math.Abs(v); a < 0.5 || a > 1 {
					t.Fatalf("|z| = %v outside [1/2, 1]", a)
				}
			}
			f += sc.WStar[j] * v
		}
		if math.Abs(f-ds.F[i]) > 1e-12 || (f >= 0) != (ds.Y[i] == 1) {
			t.Fatalf("row %d: f %v (stored %v), y %v", i, f, ds.F[i], ds.Y[i])
		}
		if ds.Y[i] == 1 {
			pos++
		}
		// Without noise M^T x recovers z.
		code := sc.Code(ds.X[i*64 : (i+1)*64])
		for j := range code {
			if math.Abs(code[j]-z[j]) > 1e-12 {
				t.Fatalf("row %d: (M^T x)_%d = %v, z = %v", i, j, code[j], z[j])
			}
		}
	}
	// Binomial(4000*64, 1/8): mean 8 a row, sd of the mean 0.013.
	if mean := float64(nnz) / float64(ds.N); math.Abs(mean-8) > 0.1 {
		t.Errorf("mean non-zeros %v, want 8", mean)
	}
	if frac := float64(pos) / float64(ds.N); math.Abs(frac-0.5) > 0.04 {
		t.Errorf("fraction of +1 labels %v", frac)
	}
	// The same seeds give the same data; another seed other data.
	again, _ := sc.Sample(4000, 5)
	other, _ := sc.Sample(4000, 6)
	if !equalFloats(ds.X, again.X) || equalFloats(ds.X, other.X) {
		t.Error("sampling is not a function of the seed")
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSparseCodingMargin(t *testing.T) {
	sc, err := NewSparseCoding(SparseCodingSpec{D: 100, Margin: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := sc.Sample(500, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range ds.F {
		if math.Abs(f) < 1 {
			t.Fatalf("row %d: |<w*, z>| = %v below the margin", i, math.Abs(f))
		}
	}
	// A margin no code reaches is an error, not an endless loop.
	sc, _ = NewSparseCoding(SparseCodingSpec{D: 2, K: 1, Margin: 2, Seed: 1})
	if _, err := sc.Sample(5, 1); !errors.Is(err, ErrSparseCoding) {
		t.Errorf("unreachable margin: err = %v", err)
	}
}

func TestSparseCodingNoise(t *testing.T) {
	sc, err := NewSparseCoding(SparseCodingSpec{D: 100, Noise: 0.5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := sc.Sample(2000, 1)
	if err != nil {
		t.Fatal(err)
	}
	// ||x - M z||^2 is 0.25 chi^2_100 / 100 a row: mean 0.25.
	ss := 0.0
	for i := range ds.N {
		code := sc.Code(ds.X[i*100 : (i+1)*100])
		for j, v := range code {
			e := v - ds.Hidden[0][i*100+j]
			ss += e * e
		}
	}
	if mean := ss / float64(ds.N); math.Abs(mean-0.25) > 0.01 {
		t.Errorf("mean squared noise norm %v, want 0.25", mean)
	}
}

func TestSparseCodingFile(t *testing.T) {
	dir := t.TempDir()
	sc, err := NewSparseCoding(SparseCodingSpec{D: 20, K: 3, Noise: 0.1, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "dictionary.json")
	if err := sc.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadSparseCoding(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Spec != sc.Spec || !equalFloats(back.M, sc.M) || !equalFloats(back.WStar, sc.WStar) {
		t.Fatal("the model does not round-trip")
	}
	b, _ := os.ReadFile(path)
	for name, edit := range map[string][]byte{
		"tampered":  bytes.Replace(b, []byte(`"seed": 4`), []byte(`"seed": 5`), 1),
		"truncated": b[:len(b)/2],
		"format":    bytes.Replace(b, []byte(SparseCodingFormat), []byte("other"), 1),
	} {
		if _, err := DecodeSparseCoding(edit); !errors.Is(err, ErrSparseCoding) {
			t.Errorf("%s: err = %v, want ErrSparseCoding", name, err)
		}
	}
	// The dataset round-trips through Save/LoadDataset with its meta.
	ds, err := sc.Sample(50, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.Save(filepath.Join(dir, "train.npz")); err != nil {
		t.Fatal(err)
	}
	got, err := LoadDataset(filepath.Join(dir, "train.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Task != TaskClassification || !equalFloats(got.X, ds.X) || !equalFloats(got.Hidden[0], ds.Hidden[0]) ||
		got.Meta["source"] != "sparse-coding" {
		t.Errorf("dataset does not round-trip: task %s, meta %v", got.Task, got.Meta)
	}
}

func FuzzDecodeSparseCoding(f *testing.F) {
	sc, err := NewSparseCoding(SparseCodingSpec{D: 4, K: 2, Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(f.TempDir(), "d.json")
	if err := sc.Save(path); err != nil {
		f.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	f.Add(b)
	f.Add(b[:len(b)/3])
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := DecodeSparseCoding(data)
		if err != nil {
			if !errors.Is(err, ErrSparseCoding) {
				t.Fatalf("error does not wrap ErrSparseCoding: %v", err)
			}
			return
		}
		if _, err := sc.Sample(3, 1); err != nil {
			t.Fatalf("a model that loads does not sample: %v", err)
		}
	})
}
