package export

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/export/exporttest"
	"github.com/hierlearn/hierlearn/internal/npy"
)

// conceptSpecs are the concepts exported by the tests: every family, skip
// mode and task, small enough to generate quickly.
var conceptSpecs = []struct {
	name string
	spec concept.Spec
}{
	{"hq_default", concept.Spec{D: 12, Layers: 3, Widths: []int{3}, Seed: 1}},
	{"hq_dense_L4", concept.Spec{D: 8, Layers: 4, Widths: []int{3, 2, 2}, Skip: concept.SkipDense, Gain: 0.7, Seed: 2}},
	{"hq_chain_classification", concept.Spec{D: 10, Layers: 3, Widths: []int{2}, Skip: concept.SkipChain, Task: concept.TaskClassification, LabelNoise: 0.1, Seed: 3}},
	{"hq_L2", concept.Spec{D: 6, Layers: 2, Widths: []int{4}, Seed: 4}},
	{"relu_teacher", concept.Spec{Family: concept.FamilyReLU, D: 9, Layers: 3, Widths: []int{8, 6, 4}, Seed: 5}},
}

// conceptTol is the largest relative difference (RelDiff: max abs error
// over the output's largest magnitude) allowed between the float32 graph
// in onnxruntime and the concept's float64 Eval on the same inputs.
const conceptTol = 1e-5

// TestConceptMatchesEval exports every concept at both opsets, checks the
// files with onnx.checker (full_check), runs them in onnxruntime on 1,000
// random inputs and compares y and every hidden feature with Eval.
func TestConceptMatchesEval(t *testing.T) {
	dir := t.TempDir()
	const n = 1000
	type job struct {
		name string
		c    *concept.Concept
		path string
	}
	var jobs []job
	var paths []string
	for _, cs := range conceptSpecs {
		c, err := concept.New(cs.spec)
		if err != nil {
			t.Fatalf("%s: %v", cs.name, err)
		}
		for _, opset := range Opsets {
			m, err := Concept(c, opset)
			if err != nil {
				t.Fatalf("%s: %v", cs.name, err)
			}
			p := filepath.Join(dir, fmt.Sprintf("%s_opset%d.onnx", cs.name, opset))
			if err := WriteModel(p, m); err != nil {
				t.Fatal(err)
			}
			jobs = append(jobs, job{cs.name, c, p})
			paths = append(paths, p)
		}
	}
	exporttest.Check(t, paths...)
	rng := rand.New(rand.NewPCG(11, 12))
	for _, j := range jobs {
		d := j.c.Spec().D
		x32 := make([]float32, n*d)
		x64 := make([]float64, n*d)
		for i := range x32 {
			x32[i] = float32(rng.NormFloat64())
			x64[i] = float64(x32[i])
		}
		y, hidden := j.c.Eval(x64, n)
		out := exporttest.RunORT(t, j.path, map[string]*npy.Array{"x": npy.NewFloat32(x32, n, d)})
		compare(t, filepath.Base(j.path), "y", out["y"], y, []int{n})
		for k, name := range j.c.HiddenNames() {
			compare(t, filepath.Base(j.path), name, out[name], hidden[k], []int{n, j.c.Widths()[k]})
		}
	}
}

func compare(t *testing.T, file, name string, got *npy.Array, want []float64, shape []int) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: output %s missing", file, name)
		return
	}
	if fmt.Sprint(got.Shape) != fmt.Sprint(shape) || got.DType != npy.Float32 {
		t.Errorf("%s: output %s is %v%v, want float32%v", file, name, got.DType, got.Shape, shape)
		return
	}
	rel, _ := exporttest.RelDiff(got.F32, want)
	if rel > conceptTol {
		t.Errorf("%s: %s", file, exporttest.Describe(name, got.F32, want))
	}
	if testing.Verbose() {
		t.Logf("%s: %s max rel diff %.2g", file, name, rel)
	}
}

// TestConceptMatchesSample checks the exported target against what
// Concept.Sample wrote to an .npz (read back from disk): onnxruntime on the
// stored x gives the stored y (f for classification) and hidden features.
func TestConceptMatchesSample(t *testing.T) {
	dir := t.TempDir()
	for _, cs := range conceptSpecs {
		c, err := concept.New(cs.spec)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := c.Sample(1000, 99)
		if err != nil {
			t.Fatal(err)
		}
		npz := filepath.Join(dir, cs.name+".npz")
		if err := ds.Save(npz); err != nil {
			t.Fatal(err)
		}
		z, err := npy.ReadNPZ(npz)
		if err != nil {
			t.Fatal(err)
		}
		model := filepath.Join(dir, cs.name+".onnx")
		m, err := Concept(c, 17)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteModel(model, m); err != nil {
			t.Fatal(err)
		}
		x, _ := z.Get("x")
		out := exporttest.RunORT(t, model, map[string]*npy.Array{"x": npy.NewFloat32(x.Float32s(), x.Shape...)})
		yName := "y"
		if cs.spec.Task == concept.TaskClassification {
			yName = "f"
		}
		want, err := z.Get(yName)
		if err != nil {
			t.Fatal(err)
		}
		compare(t, cs.name+".npz", "y", out["y"], want.Float64s(), want.Shape)
		for _, name := range c.HiddenNames() {
			want, err := z.Get(name)
			if err != nil {
				t.Fatal(err)
			}
			compare(t, cs.name+".npz", name, out[name], want.Float64s(), want.Shape)
		}
	}
}

func TestConceptBadInput(t *testing.T) {
	c, err := concept.New(conceptSpecs[0].spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, opset := range []int{0, 12, 16, 18} {
		if _, err := Concept(c, opset); !errors.Is(err, ErrOpset) {
			t.Errorf("opset %d: err = %v", opset, err)
		}
	}
	if _, err := Concept(nil, 17); err == nil || !strings.Contains(err.Error(), "nil concept") {
		t.Errorf("nil concept: err = %v", err)
	}
}

func TestConceptMetadata(t *testing.T) {
	c, err := concept.New(conceptSpecs[2].spec)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Concept(c, 13)
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{}
	for _, e := range m.proto.MetadataProps {
		meta[e.GetKey()] = e.GetValue()
	}
	for _, k := range []string{"concept_spec", "seed", "task", "median", "hierlearn_version", "concept_checksum"} {
		if meta[k] == "" {
			t.Errorf("metadata %q missing (have %v)", k, meta)
		}
	}
	if meta["seed"] != "3" || meta["task"] != "classification" {
		t.Errorf("seed %q task %q", meta["seed"], meta["task"])
	}
}
