package concept

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

func TestDatasetRoundTrip(t *testing.T) {
	for name, s := range testSpecs() {
		t.Run(name, func(t *testing.T) {
			c := mustNew(t, s)
			ds, err := c.Sample(300, 9)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "d.npz")
			if err := ds.Save(path); err != nil {
				t.Fatal(err)
			}
			got, err := LoadDataset(path)
			if err != nil {
				t.Fatal(err)
			}
			if got.Task != s.Complete().Task || got.N != 300 || got.D != s.D {
				t.Fatalf("task %s n %d d %d", got.Task, got.N, got.D)
			}
			if !slices.Equal(got.X, ds.X) || !slices.Equal(got.Y, ds.Y) || !slices.Equal(got.F, ds.F) {
				t.Error("x, y or f changed in the round trip")
			}
			if !slices.Equal(got.HiddenNames, c.HiddenNames()) || !slices.Equal(got.HiddenWidths, c.Widths()) {
				t.Errorf("hidden %v %v, want %v %v", got.HiddenNames, got.HiddenWidths, c.HiddenNames(), c.Widths())
			}
			for l := range ds.Hidden {
				if !slices.Equal(got.Hidden[l], ds.Hidden[l]) {
					t.Errorf("hidden %d changed", l)
				}
			}
			if got.Meta["format"] != DatasetFormat || got.Meta["seed"] != float64(9) {
				t.Errorf("meta %v", got.Meta)
			}
			// Sample must agree with Eval on the same inputs.
			y, _ := c.Eval(ds.X, ds.N)
			want := ds.Y
			if ds.F != nil {
				want = ds.F
			}
			if !slices.Equal(y, want) {
				t.Error("Sample's outputs differ from Eval on its inputs")
			}
		})
	}
}

func TestSampleBad(t *testing.T) {
	c := mustNew(t, DefaultSpec())
	for _, n := range []int{0, -1, math.MaxInt} {
		if _, err := c.Sample(n, 1); err == nil {
			t.Errorf("Sample(%d) accepted", n)
		}
	}
}

// writeNPZ writes arrays as an .npz in dir.
func writeNPZ(t *testing.T, dir, name string, arrays map[string]*npy.Array) string {
	t.Helper()
	z := npy.NewArchive()
	keys := make([]string, 0, len(arrays))
	for k := range arrays {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		z.Add(k, arrays[k])
	}
	path := filepath.Join(dir, name)
	if err := npy.WriteNPZ(path, z); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadDatasetBad(t *testing.T) {
	dir := t.TempDir()
	x := npy.NewFloat64(make([]float64, 12), 4, 3)
	y := npy.NewFloat64(make([]float64, 4), 4)
	nan := make([]float64, 12)
	nan[5] = math.NaN()
	goodPath := writeNPZ(t, dir, "good.npz", map[string]*npy.Array{"x": x, "y": y})
	good, _ := os.ReadFile(goodPath)
	if _, err := LoadDataset(goodPath); err != nil {
		t.Fatalf("minimal dataset rejected: %v", err)
	}
	tests := []struct {
		name   string
		arrays map[string]*npy.Array
		raw    []byte
		want   string
	}{
		{"missing x", map[string]*npy.Array{"y": y}, nil, `no array "x"`},
		{"missing y", map[string]*npy.Array{"x": x}, nil, `no array "y"`},
		{"x 1-D", map[string]*npy.Array{"x": npy.NewFloat64(make([]float64, 4), 4), "y": y}, nil, "x has shape [4]"},
		{"y length", map[string]*npy.Array{"x": x, "y": npy.NewFloat64(make([]float64, 5), 5)}, nil, "y has shape [5], want (4,)"},
		{"s2 rows", map[string]*npy.Array{"x": x, "y": y, "s2": npy.NewFloat64(make([]float64, 6), 3, 2)}, nil, "s2 has shape [3 2]"},
		{"f length", map[string]*npy.Array{"x": x, "y": y, "f": npy.NewFloat64(make([]float64, 3), 3)}, nil, "f has shape [3]"},
		{"NaN in x", map[string]*npy.Array{"x": npy.NewFloat64(nan, 4, 3), "y": y}, nil, "x[5] = NaN"},
		{"uint8 y", map[string]*npy.Array{"x": x, "y": npy.NewBytes(make([]byte, 4))}, nil, "y is uint8"},
		{"meta not JSON", map[string]*npy.Array{"x": x, "y": y, "meta": npy.NewBytes([]byte("{oops"))}, nil, "meta is not a JSON object"},
		{"classification labels", map[string]*npy.Array{"x": x, "y": npy.NewFloat64([]float64{1, -1, 0.5, 1}, 4),
			"meta": npy.NewBytes([]byte(`{"task":"classification"}`))}, nil, "y[2] = 0.5"},
		{"multiclass float labels", map[string]*npy.Array{"x": x, "y": y,
			"meta": npy.NewBytes([]byte(`{"task":"multiclass"}`))}, nil, "want int64 labels"},
		{"unknown task", map[string]*npy.Array{"x": x, "y": y, "meta": npy.NewBytes([]byte(`{"task":"x"}`))}, nil, `unknown task "x"`},
		{"not a zip", nil, []byte("this is not an npz"), "not an .npz"},
		{"truncated", nil, good[:len(good)-40], ".npz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var path string
			if tt.raw != nil {
				path = filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".npz")
				if err := os.WriteFile(path, tt.raw, 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				path = writeNPZ(t, dir, strings.ReplaceAll(tt.name, " ", "_")+".npz", tt.arrays)
			}
			_, err := LoadDataset(path)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v\nwant it to name %s and contain %q", err, path, tt.want)
			}
		})
	}
	// Save refuses inconsistent datasets and leaves no file behind.
	bad := &Dataset{Task: TaskRegression, N: 2, D: 2, X: []float64{1, 2, 3}, Y: []float64{1, 2}}
	out := filepath.Join(dir, "bad-out.npz")
	if err := bad.Save(out); err == nil || !strings.Contains(err.Error(), "x has 3 values") {
		t.Errorf("Save of inconsistent dataset: %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Save left a file behind: %v", err)
	}
}

func FuzzDecodeDataset(f *testing.F) {
	for _, name := range []string{"small.npz", "small-cls.npz"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := DecodeDataset(data)
		if err != nil {
			return
		}
		if len(ds.X) != ds.N*ds.D {
			t.Fatalf("x has %d values for %d x %d", len(ds.X), ds.N, ds.D)
		}
		if ds.Task == TaskMulticlass && len(ds.Labels) != ds.N || ds.Task != TaskMulticlass && len(ds.Y) != ds.N {
			t.Fatal("labels/targets do not match n")
		}
		for l, h := range ds.Hidden {
			if len(h) != ds.N*ds.HiddenWidths[l] {
				t.Fatal("hidden shape")
			}
		}
	})
}

// TestWriteFuzzSeeds (re)writes the dataset seed corpus with -update.
func TestWriteFuzzSeeds(t *testing.T) {
	if !testutil.Update() {
		t.Skip("run with -update to rewrite testdata/small*.npz")
	}
	c := mustNew(t, Spec{D: 3, Layers: 2, Widths: []int{2}, Seed: 1})
	ds, _ := c.Sample(4, 1)
	if err := ds.Save(filepath.Join("testdata", "small.npz")); err != nil {
		t.Fatal(err)
	}
	c = mustNew(t, Spec{D: 2, Layers: 3, Widths: []int{1}, Seed: 1, Task: TaskClassification, LabelNoise: 0.2})
	ds, _ = c.Sample(3, 1)
	if err := ds.Save(filepath.Join("testdata", "small-cls.npz")); err != nil {
		t.Fatal(err)
	}
}
