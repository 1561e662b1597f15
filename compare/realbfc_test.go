package compare

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// stagedResult is a synthetic staged:MODE result whose numbers move with
// the seed, decoded from JSON as results.jsonl gives them.
func stagedResult(t *testing.T, mode string, seed uint64) Result {
	d := 0.002 * float64(seed)
	acc := map[string][]float64{"e2e": {0.80, 0.84, 0.86}, "layerwise": {0.78, 0.81, 0.82}, "progressive": {0.78, 0.84, 0.87}}[mode]
	cka := map[string][]float64{"e2e": {0.7, 0.8}, "layerwise": {1, 1}, "progressive": {0.6, 0.75}}[mode]
	var stages []map[string]any
	for s, a := range acc {
		stages = append(stages, map[string]any{"stage": s + 1, "name": "stage" + string(rune('1'+s)), "test_accuracy": a + d, "steps": 156})
	}
	m := map[string]any{"learner": "staged:" + mode, "mode": mode, "seed": seed,
		"config":        map[string]any{"widths": []int{8, 16, 32}, "blocks": 1, "epochs_per_stage": 2, "ort_check": 64},
		"stages":        stages,
		"test_accuracy": acc[2] + d, "test_error": 1 - acc[2] - d,
		"cka":           map[string]float64{"stage1": cka[0] - d, "stage2": cka[1] - d},
		"feature_error": map[string]float64{"stage1": (1 - cka[0]) / 10, "stage2": (1 - cka[1]) / 10},
		"ck":            map[string]any{"test_accuracy": acc[2] - 0.01 + d},
		"cpu_seconds":   100 + float64(seed), "onnx_ort_max_rel_diff": 1e-7 * float64(seed)}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var dec map[string]any
	if err := json.Unmarshal(b, &dec); err != nil {
		t.Fatal(err)
	}
	c := Cell{Experiment: "real-bfc", Learner: "staged:" + mode, Dataset: FashionMNIST, N: 10000, NTest: 5000, Seed: seed}
	return Result{Key: c.Key(), Cell: c, Metrics: dec, Version: "test", Seconds: 300 + float64(seed)}
}

// TestRealBFCReportGolden renders the real-bfc section of three modes of
// three synthetic seeds against testdata/real-bfc-report.golden (go test
// -run RealBFCReportGolden -update rewrites it) and draws both plots.
func TestRealBFCReportGolden(t *testing.T) {
	var rs []Result
	for _, mode := range []string{"progressive", "layerwise", "e2e"} {
		for s := uint64(1); s <= 3; s++ {
			rs = append(rs, stagedResult(t, mode, s))
		}
	}
	var buf bytes.Buffer
	writeRealBFC(&buf, groups(rs))
	checkGolden(t, "real-bfc-report.golden", buf.Bytes())
	files, err := plotRealBFC(t.TempDir(), groups(rs))
	if err != nil || len(files) != 2 {
		t.Errorf("plots %v, %v", files, err)
	}
}

// stagedORTTol bounds the trained network's disagreement with
// onnxruntime (measured 1.6e-7 on the tiny run).
const stagedORTTol = 1e-5

// TestRealBFCTiny runs the preset's layerwise and progressive learners on
// a tiny config (600 training images, one epoch a stage, seed 1; about
// 10 CPU-seconds) and checks what must hold whatever the accuracy: the
// layerwise stages keep their features (CKA 1, feature error 0), the
// progressive ones move, every accuracy is a probability, the trained
// file agrees with onnxruntime, and the report holds the section and both
// plots.
func TestRealBFCTiny(t *testing.T) {
	testutil.Python(t, "torch", "onnx")
	testutil.Node(t)
	testutil.File(t, filepath.Join(concept.FashionMNISTDir(), "train-images-idx3-ubyte.gz"), "Debian's dataset-fashion-mnist")
	p, err := Preset("real-bfc")
	if err != nil {
		t.Fatal(err)
	}
	var cells []Cell
	for _, c := range p.Cells {
		if c.Seed == 1 && c.Learner != "staged:e2e" {
			c.N, c.NTest = 600, 200
			c.Options = map[string]any{"epochs_per_stage": 1.0, "cka_n": 100.0, "kernel_n": 300.0, "ort_check": 16.0}
			cells = append(cells, c)
		}
	}
	p.Cells = cells
	dir := t.TempDir()
	sum, err := Run(context.Background(), p, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ReadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed > 0 {
		for _, r := range rs {
			t.Log(r.Error)
		}
		t.Fatalf("%d cells failed", sum.Failed)
	}
	for _, r := range rs {
		mode := r.Metrics["mode"]
		for _, s := range []string{"stage1", "stage2"} {
			cka, e := nested(r.Metrics, "cka", s), nested(r.Metrics, "feature_error", s)
			if mode == "layerwise" && (math.Abs(cka-1) > 1e-9 || e > 1e-9) {
				t.Errorf("layerwise %s: CKA %v, feature error %v; a frozen stage must keep its features", s, cka, e)
			}
			if mode == "progressive" && !(cka < 1-1e-6 && e > 0) {
				t.Errorf("progressive %s: CKA %v, feature error %v; its features did not move", s, cka, e)
			}
		}
		for s := range 3 {
			if a := nested(r.Metrics, "stages", string(rune('0'+s)), "test_accuracy"); !(a >= 0 && a <= 1) {
				t.Errorf("%s stage %d: test accuracy %v", mode, s+1, a)
			}
		}
		if d := nested(r.Metrics, "onnx_ort_max_rel_diff"); !(d <= stagedORTTol) {
			t.Errorf("%s: onnxruntime differs from Go by %v", mode, d)
		}
	}
	if err := Report(dir); err != nil {
		t.Fatal(err)
	}
	rep, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### Staged training of an imported ResNet", "real-bfc-accuracy.png", "real-bfc-cka.png"} {
		if !strings.Contains(string(rep), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}
