package export

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/export/exporttest"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/train"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// trainRuns trains tiny runs of every learner and mode into dir and
// returns their directories by name.
func trainRuns(t *testing.T, dir string) map[string]string {
	t.Helper()
	c, err := concept.New(concept.Spec{D: 8, Layers: 3, Widths: []int{2}, Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	sample := func(n int, seed uint64) *concept.Dataset {
		ds, err := c.Sample(n, seed)
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	tr, te := sample(512, 1), sample(256, 2)
	runs := map[string]string{}
	cfgs := map[string]train.Config{}
	for _, mode := range []string{train.ModeProgressive, train.ModeLayerwise, "bfc-1", train.ModeE2E} {
		for _, dt := range []string{"float32", "float64"} {
			cfgs["hnet_"+mode+"_"+dt] = train.Config{Learner: train.LearnerHNet, Mode: mode, Width: 3,
				StepsPerStage: 40, Batch: 64, LR: 3e-3, DType: dt, Seed: 5}
		}
	}
	cfgs["mlp_float32"] = train.Config{Learner: train.LearnerMLP, Mode: train.ModeE2E, Hidden: []int{16, 8},
		StepsPerStage: 40, Batch: 64, LR: 3e-3, DType: "float32", Seed: 5}
	for name, cfg := range cfgs {
		out := filepath.Join(dir, name)
		if _, err := train.Run(context.Background(), cfg, tr, te, train.Options{OutDir: out}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		runs[name] = out
	}
	return runs
}

// hnetRef evaluates an HNet in float64 from the formulas documented on
// train.HNet, returning F and S_2..S_L (index l-2), so that the hidden
// features, which train does not expose, have a reference too. Its F is
// checked against train.HNet.Predict.
func hnetRef(h *train.HNet, x []float64, n int) (f []float64, s [][]float64) {
	a := h.Arch
	f = make([]float64, n)
	s = make([][]float64, a.L-1)
	for l := 2; l <= a.L; l++ {
		s[l-2] = make([]float64, n*a.Width(l))
	}
	for i := range n {
		hs := map[int][]float64{0: x[i*a.D : (i+1)*a.D]}
		h1 := make([]float64, a.D)
		for q, v := range hs[0] {
			h1[q] = (v*v - 1) / math.Sqrt2
		}
		hs[1] = h1
		f[i] = h.B
		for l := 2; l <= a.L; l++ {
			var in []float64
			for _, j := range a.Skip(l) {
				in = append(in, hs[j]...)
			}
			ly := h.Layers[l-2]
			sl := s[l-2][i*a.Width(l) : (i+1)*a.Width(l)]
			var sum float64
			for r, row := range ly.K {
				for q, w := range row {
					sl[r] += w * in[q]
				}
				sum += sl[r] * sl[r]
			}
			f[i] += h.A[l-2] * sum
			if l < a.L {
				hl := make([]float64, len(ly.R))
				for r, row := range ly.R {
					var p float64
					for q, w := range row {
						p += w * sl[q]
					}
					hl[r] = (p*p - ly.NormMean[r]) / math.Sqrt(ly.NormVar[r]+h.NormEps)
				}
				hs[l] = hl
			}
		}
	}
	return f, s
}

// TestRunMatchesGo exports runs of every HNet mode (trained in float32 and
// float64) and the MLP at both opsets, checks the files with onnx.checker
// and compares onnxruntime's outputs on 1,000 random inputs with the
// model's Predict (y) and the float64 reference (s_l).
func TestRunMatchesGo(t *testing.T) {
	dir := t.TempDir()
	runs := trainRuns(t, dir)
	type job struct{ name, run, path string }
	var jobs []job
	var paths []string
	for name, run := range runs {
		for _, opset := range Opsets {
			m, err := Run(run, opset)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			p := filepath.Join(dir, fmt.Sprintf("%s_opset%d.onnx", name, opset))
			if err := WriteModel(p, m); err != nil {
				t.Fatal(err)
			}
			jobs = append(jobs, job{name, run, p})
			paths = append(paths, p)
		}
	}
	exporttest.Check(t, paths...)
	const n = 1000
	rng := rand.New(rand.NewPCG(31, 32))
	for _, j := range jobs {
		model, err := train.LoadModel(j.run)
		if err != nil {
			t.Fatal(err)
		}
		d := model.InputDim()
		x32 := make([]float32, n*d)
		x64 := make([]float64, n*d)
		for i := range x32 {
			x32[i] = float32(rng.NormFloat64())
			x64[i] = float64(x32[i])
		}
		want, err := model.Predict(x64)
		if err != nil {
			t.Fatal(err)
		}
		out := exporttest.RunORT(t, j.path, map[string]*npy.Array{"x": npy.NewFloat32(x32, n, d)})
		file := filepath.Base(j.path)
		compare(t, file, "y", out["y"], want, []int{n})
		if h, ok := model.(*train.HNet); ok {
			f, s := hnetRef(h, x64, n)
			if rel, _ := exporttest.RelDiff(f32(f), want); rel > 1e-6 {
				t.Fatalf("%s: the float64 reference disagrees with Predict: %s", j.name, exporttest.Describe("F", f32(f), want))
			}
			for l := 2; l <= h.L; l++ {
				name := fmt.Sprintf("s%d", l)
				compare(t, file, name, out[name], s[l-2], []int{n, h.Width(l)})
			}
		}
	}
}

func TestRunMetadata(t *testing.T) {
	dir := t.TempDir()
	c, err := concept.New(concept.Spec{D: 4, Layers: 2, Widths: []int{2}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := c.Sample(128, 1)
	cfg := train.Config{Learner: train.LearnerHNet, Mode: train.ModeLayerwise, Width: 2, StepsPerStage: 5, Batch: 32, LR: 1e-3, DType: "float64", Seed: 77}
	run := filepath.Join(dir, "r")
	if _, err := train.Run(context.Background(), cfg, d, d, train.Options{OutDir: run}); err != nil {
		t.Fatal(err)
	}
	m, err := Run(run, 13)
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{}
	for _, e := range m.proto.MetadataProps {
		meta[e.GetKey()] = e.GetValue()
	}
	if meta["seed"] != "77" || meta["mode"] != "layerwise" || meta["learner"] != "hnet" {
		t.Errorf("metadata %v", meta)
	}
	for _, k := range []string{"config", "metrics", "hierlearn_version", "trained_with_version"} {
		if meta[k] == "" {
			t.Errorf("metadata %q missing", k)
		}
	}
	if !strings.Contains(meta["metrics"], `"test_rel_mse"`) {
		t.Errorf("metrics metadata %q", meta["metrics"])
	}
}

// TestRunBadInput: a missing or corrupt run directory and an unsupported
// opset give clear errors.
func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt")
	os.MkdirAll(corrupt, 0o755)
	os.WriteFile(filepath.Join(corrupt, train.ModelFile), []byte(`{"format": "hierlearn-hnet/1", "d": `), 0o644)
	wrongShape := filepath.Join(dir, "wrong")
	os.MkdirAll(wrongShape, 0o755)
	os.WriteFile(filepath.Join(wrongShape, train.ModelFile), []byte(`{"format":"hierlearn-mlp/1","activation":"relu","sizes":[2,1],"layers":[{"W":[[1]],"b":[0]}]}`), 0o644)
	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	badKernel := filepath.Join(dir, "badkernel")
	os.MkdirAll(badKernel, 0o755)
	os.WriteFile(filepath.Join(badKernel, kernel.PredictorFile), []byte("PK\x03\x04 truncated"), 0o644)
	file := filepath.Join(dir, "file.txt")
	os.WriteFile(file, []byte("x"), 0o644)
	cases := []struct {
		run   string
		opset int
		want  string
	}{
		{filepath.Join(dir, "nope"), 17, "no such file"},
		{empty, 17, "holds neither model.json (HNet, MLP) nor predictor.npz"},
		{badKernel, 17, "load predictor"},
		{corrupt, 17, "load model"},
		{wrongShape, 17, "row 0 has 1 entries, want 2"},
		{file, 17, "not a run directory"},
		{empty, 12, "unsupported opset 12"},
	}
	for _, c := range cases {
		_, err := Run(c.run, c.opset)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Run(%s, %d): err = %v, want %q", filepath.Base(c.run), c.opset, err, c.want)
		}
		if c.opset == 17 && !errors.Is(err, ErrRun) {
			t.Errorf("Run(%s): %v does not wrap ErrRun", filepath.Base(c.run), err)
		}
	}
}
