package export

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/export/exporttest"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// kernelData is a small synthetic training set: d=6, targets a smooth
// function of x (regression), its sign (classification) or a class of 3.
func kernelData(task string, n, d int, seed uint64) *concept.Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := kernel.NewMatrix(n, d)
	for i := range x.Data {
		x.Data[i] = rng.NormFloat64()
	}
	data := &concept.Dataset{Task: task, N: n, D: d, X: x.Data}
	for i := range n {
		r := x.Row(i)
		f := r[0]*r[1] + 0.5*r[2]*r[2] - 0.3*r[3]
		switch task {
		case concept.TaskRegression:
			data.Y = append(data.Y, f)
		case concept.TaskClassification:
			if f >= 0.3 {
				data.Y = append(data.Y, 1)
			} else {
				data.Y = append(data.Y, -1)
			}
		case concept.TaskMulticlass:
			data.Labels = append(data.Labels, int64(min(2, max(0, int(f+1)))))
		}
	}
	return data
}

// TestKernelMatchesGo fits poly, rbf, ntk, nngp, comp (dual form) and
// random features (primal form) predictors, saves them as run directories,
// exports them at both opsets and compares onnxruntime on 1,000 random
// inputs with Predictor.Predict.
func TestKernelMatchesGo(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		spec, task string
		opt        kernel.Options
	}{
		{"poly:2", concept.TaskRegression, kernel.Options{Ridge: 1e-4}},
		{"poly:4", concept.TaskClassification, kernel.Options{Ridge: 1e-3}},
		{"rbf", concept.TaskRegression, kernel.Options{Ridge: 1e-5}},
		{"ntk:2", concept.TaskRegression, kernel.Options{Ridge: 1e-4}},
		{"ntk:4", concept.TaskMulticlass, kernel.Options{Ridge: 1e-3}},
		{"nngp:3", concept.TaskRegression, kernel.Options{Ridge: 1e-3}},
		{"rbf", concept.TaskRegression, kernel.Options{Ridge: 1e-3, Method: kernel.MethodNystrom, Landmarks: 50}},
		{"rf-relu:64", concept.TaskRegression, kernel.Options{Ridge: 1e-3}},
		{"rf-quad:64", concept.TaskRegression, kernel.Options{Ridge: 1e-3}},
		{"comp:3", concept.TaskRegression, kernel.Options{Ridge: 1e-4}},
		{"comp:4:dense", concept.TaskClassification, kernel.Options{Ridge: 1e-3}},
		{"comp:5:chain", concept.TaskRegression, kernel.Options{Ridge: 1e-3, Method: kernel.MethodNystrom, Landmarks: 60}},
	}
	type job struct {
		name string
		p    *kernel.Predictor
		path string
	}
	var jobs []job
	var paths []string
	for i, c := range cases {
		k, err := kernel.Parse(c.spec, 3)
		if err != nil {
			t.Fatal(err)
		}
		res, err := kernel.Fit(k, kernelData(c.task, 300, 6, uint64(i)), c.opt)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		name := fmt.Sprintf("%d_%s_%s", i, strings.ReplaceAll(c.spec, ":", ""), c.task)
		run := filepath.Join(dir, name)
		if err := os.MkdirAll(run, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := res.Predictor.Save(filepath.Join(run, kernel.PredictorFile), 3); err != nil {
			t.Fatal(err)
		}
		for _, opset := range Opsets {
			m, err := Run(run, opset)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			p := filepath.Join(dir, fmt.Sprintf("%s_opset%d.onnx", name, opset))
			if err := WriteModel(p, m); err != nil {
				t.Fatal(err)
			}
			jobs = append(jobs, job{name, res.Predictor, p})
			paths = append(paths, p)
		}
	}
	exporttest.Check(t, paths...)
	const n = 1000
	rng := rand.New(rand.NewPCG(41, 42))
	for _, j := range jobs {
		d := j.p.D
		x32 := make([]float32, n*d)
		x := kernel.NewMatrix(n, d)
		for i := range x32 {
			x32[i] = float32(1.5 * rng.NormFloat64())
			x.Data[i] = float64(x32[i])
		}
		// Include a training point exactly (rho = 1 for ntk: acos at its
		// ill-conditioned end) and its negation.
		if j.p.Form == kernel.FormDual {
			for q := range d {
				x32[q] = float32(j.p.Centers.Data[q])
				x.Data[q] = float64(x32[q])
				x32[d+q] = -x32[q]
				x.Data[d+q] = float64(x32[d+q])
			}
		}
		want, err := j.p.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		out := exporttest.RunORT(t, j.path, map[string]*npy.Array{"x": npy.NewFloat32(x32, n, d)})
		shape := []int{n}
		if want.Cols > 1 {
			shape = []int{n, want.Cols}
		}
		compare(t, filepath.Base(j.path), "y", out["y"], want.Data, shape)
		// The graph computes in float64: beyond the float32 rounding of
		// the output, little error may remain (without the Newton steps
		// of the arc-cosine, ntk/nngp reach 1e-6 to 2e-6 here).
		if rel, _ := exporttest.RelDiff(out["y"].F32, want.Data); rel > kernelTol {
			t.Errorf("%s: max rel diff %.3g exceeds the float64 graph's tolerance %g", filepath.Base(j.path), rel, kernelTol)
		}
	}
}

// kernelTol bounds RelDiff for the kernel graphs, which compute in
// float64 and round only their output to float32 (largest seen: 1.2e-7).
const kernelTol = 5e-7

// TestKernelUnsupported: a plug-in kernel (kernel.GramFunc, e.g. an
// empirical NTK) has no graph; exporting it is an error naming it.
func TestKernelUnsupported(t *testing.T) {
	k := kernel.GramFunc{Name: "custom-gram", F: func(a, b kernel.Matrix, out []float64) error {
		for i := range a.Rows {
			for j := range b.Rows {
				var s float64
				for q, v := range a.Row(i) {
					s += v * b.Row(j)[q]
				}
				out[i*b.Rows+j] = s * s
			}
		}
		return nil
	}}
	res, err := kernel.Fit(k, kernelData(concept.TaskRegression, 60, 4, 1), kernel.Options{Ridge: 1e-2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := KernelGraph(res.Predictor, 17); err == nil || !strings.Contains(err.Error(), "custom-gram") {
		t.Errorf("plug-in kernel: err = %v", err)
	}
}
