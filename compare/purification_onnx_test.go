package compare

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// onnxAgreeTol bounds the difference between the Go scores (float64) of a
// train/robust model and its exported float32 ONNX graph run by
// hierlearn's importer or by onnxruntime, relative to the scores' scale
// (seen: at most 8e-7). The NTK-regime network's output is 100 times a
// difference of two networks, so float32 loses more there (seen 3.1e-6):
// ntkAgreeTol.
const (
	onnxAgreeTol = 1e-5
	ntkAgreeTol  = 3e-5
)

// TestPurificationONNX trains every kind of the purification preset on
// saved and reloaded sparse-coding data (the NTK-regime network centred at
// alpha 100), exports each to ONNX, re-imports it and runs it in
// hierlearn and onnxruntime.
func TestPurificationONNX(t *testing.T) {
	testutil.Node(t)
	dir := t.TempDir()
	spec := concept.SparseCodingSpec{D: 12, Noise: 0.05, Margin: 0.5, Seed: 2}
	cfg := Config{Name: "purification-onnx", Sweeps: []Sweep{{Experiment: "purification", Dataset: SparseCodingDataset(spec),
		Learners: []string{"robust:net:pgd-l2", "robust:ntk", "robust:linear", "robust:poly:3"},
		N:        []int{300}, Seeds: []uint64{1}, NTest: 200,
		Options: map[string]any{"check_onnx": true, "width": 10.0, "steps": 100.0, "lr": 0.01, "poly_n": 150.0,
			"l2_radii": []any{0.3}, "linf_radii": []any{0.05}, "eval_steps": 2.0}}}}
	p, err := cfg.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), p, dir, Options{}); err != nil {
		t.Fatal(err)
	}
	rs, err := ReadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 4 {
		t.Fatalf("%d results", len(rs))
	}
	for _, r := range rs {
		if !r.OK() {
			t.Errorf("%s: %s", r.Cell.Learner, r.Error)
			continue
		}
		for _, k := range []string{"onnx_native_max_rel_diff", "onnx_ort_max_rel_diff"} {
			v, ok := r.Number(k)
			t.Logf("%s: %s %.3g", r.Cell.Learner, k, v)
			tol := onnxAgreeTol
			if strings.HasPrefix(r.Cell.Learner, "robust:ntk") {
				tol = ntkAgreeTol
			}
			if !ok || !(v <= tol) {
				t.Errorf("%s: %s = %v, want <= %g", r.Cell.Learner, k, v, tol)
			}
		}
	}
	// The data the models saw is an ordinary .npz that loads back.
	sc, err := concept.NewSparseCoding(spec)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := sc.Sample(20, 1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "test.npz")
	if err := ds.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := concept.LoadDataset(path)
	if err != nil || back.N != 20 || !strings.Contains(back.Meta["source"].(string), "sparse-coding") {
		t.Fatalf("saved sparse-coding data does not load back: %v", err)
	}
}
