package kernel

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/version"
)

// PredictorFile is the file name of a saved predictor inside a run
// directory.
const PredictorFile = "predictor.npz"

// PredictorFormat and PredictorFormatVersion identify the file format.
const (
	PredictorFormat        = "hierlearn-kernel-predictor"
	PredictorFormatVersion = 1
)

// PredictorMeta is the JSON document stored as the uint8 member "meta" of
// predictor.npz (numpy: json.loads(bytes(z["meta"]))).
type PredictorMeta struct {
	Format        string         `json:"format"`
	FormatVersion int            `json:"format_version"`
	Kernel        string         `json:"kernel"`
	KernelParams  map[string]any `json:"kernel_params"`
	Task          string         `json:"task"`
	D             int            `json:"d"`
	Classes       int            `json:"classes,omitempty"`
	Form          string         `json:"form"`
	Outputs       int            `json:"outputs"`
	Seed          uint64         `json:"seed"`
	Version       string         `json:"version"`
}

// KernelParams spells out k's formula parameters for inputs of
// dimension d, with every default resolved, so that an exporter can
// rebuild the kernel without this package's defaults:
//
//	poly: k = (scale <x,y> + c)^degree, scale = 1/d
//	rbf:  k = exp(-gamma ||x-y||^2)
//	ntk, nngp: depth, input_scale = 1/sqrt(d), bias_input = 1
//	comp: L, skip_sets (J_2..J_L)
//	rf-relu, rf-quad: unit, width (weights in the member rf_weights)
func KernelParams(k Kernel, d int) map[string]any {
	switch k := k.(type) {
	case Poly:
		return map[string]any{"family": "poly", "degree": k.Degree, "c": k.C, "scale": 1 / float64(d)}
	case RBF:
		return map[string]any{"family": "rbf", "gamma": k.GammaFor(d)}
	case ReLU:
		fam := "ntk"
		if k.NNGP {
			fam = "nngp"
		}
		return map[string]any{"family": fam, "depth": k.Depth, "input_scale": 1 / math.Sqrt(float64(d)), "bias_input": 1}
	case Comp:
		sets := map[string][]int{}
		for l := 2; l <= k.L; l++ {
			sets[fmt.Sprint(l)] = k.SkipSet(l)
		}
		return map[string]any{"family": "comp", "L": k.L, "skips": k.Skips, "skip_sets": sets}
	case FeatureKernel:
		if rf, ok := k.Map.(*RandomFeatures); ok {
			return map[string]any{"family": "rf-" + rf.Unit, "unit": rf.Unit, "width": rf.N, "input_scale": 1 / math.Sqrt(float64(d)), "bias_input": 1}
		}
	}
	return map[string]any{"family": "custom"}
}

// Meta returns the metadata that Save writes.
func (p *Predictor) Meta(seed uint64) PredictorMeta {
	outputs := p.Alpha.Cols
	if p.Form == FormPrimal {
		outputs = p.Beta.Cols
	}
	return PredictorMeta{
		Format: PredictorFormat, FormatVersion: PredictorFormatVersion,
		Kernel: p.Kernel.String(), KernelParams: KernelParams(p.Kernel, p.D),
		Task: p.Task, D: p.D, Classes: p.Classes, Form: p.Form, Outputs: outputs,
		Seed: seed, Version: version.Full(),
	}
}

// Save writes the predictor to path (an .npz; atomically) with members:
//
//	meta        uint8 JSON (PredictorMeta)
//	centers     float64 m×d   (dual form: training points or landmarks)
//	alpha       float64 m×outputs (dual form)
//	rf_weights  float64 W×(d+1) (primal form: first-layer weights on [x/sqrt(d), 1])
//	beta        float64 W×outputs (primal form)
//
// seed is the seed of the fit (it regenerates random features).
func (p *Predictor) Save(path string, seed uint64) error {
	if _, ok := p.Kernel.(GramFunc); ok {
		return fmt.Errorf("save predictor: kernel %s is a Gram function and cannot be saved", p.Kernel)
	}
	meta, err := json.MarshalIndent(p.Meta(seed), "", "  ")
	if err != nil {
		return err
	}
	z := npy.NewArchive()
	z.Add("meta", npy.NewBytes(meta))
	switch p.Form {
	case FormDual:
		z.Add("centers", npy.NewFloat64(p.Centers.Data, p.Centers.Rows, p.Centers.Cols))
		z.Add("alpha", npy.NewFloat64(p.Alpha.Data, p.Alpha.Rows, p.Alpha.Cols))
	case FormPrimal:
		rf, ok := p.Kernel.(FeatureKernel).Map.(*RandomFeatures)
		if !ok {
			return fmt.Errorf("save predictor: feature map %s cannot be saved", p.Kernel)
		}
		w := rf.Weights(p.D)
		z.Add("rf_weights", npy.NewFloat64(w.Data, w.Rows, w.Cols))
		z.Add("beta", npy.NewFloat64(p.Beta.Data, p.Beta.Rows, p.Beta.Cols))
	default:
		return fmt.Errorf("save predictor: unknown form %q", p.Form)
	}
	if err := npy.WriteNPZ(path, z); err != nil {
		return fmt.Errorf("save predictor: %w", err)
	}
	return nil
}

// Load reads a predictor written by Save. path is the .npz file or a run
// directory holding predictor.npz.
func Load(path string) (*Predictor, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, PredictorFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load predictor: %w", err)
	}
	p, err := DecodePredictor(b)
	if err != nil {
		return nil, fmt.Errorf("load predictor %s: %w", path, err)
	}
	return p, nil
}

// ErrPredictor is wrapped by the errors of DecodePredictor.
var ErrPredictor = errors.New("bad predictor file")

// DecodePredictor decodes the bytes of a predictor.npz.
func DecodePredictor(data []byte) (*Predictor, error) {
	z, err := npy.DecodeArchive(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPredictor, err)
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrPredictor, fmt.Sprintf(format, a...))
	}
	ma, err := z.Get("meta")
	if err != nil {
		return nil, bad("%v", err)
	}
	raw, err := ma.Bytes()
	if err != nil {
		return nil, bad("meta: %v", err)
	}
	var meta PredictorMeta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, bad("meta: %v", err)
	}
	if meta.Format != PredictorFormat || meta.FormatVersion != PredictorFormatVersion {
		return nil, bad("format %q version %d, want %q version %d", meta.Format, meta.FormatVersion, PredictorFormat, PredictorFormatVersion)
	}
	k, err := Parse(meta.Kernel, meta.Seed)
	if err != nil {
		return nil, bad("%v", err)
	}
	if meta.D < 1 || meta.Outputs < 1 {
		return nil, bad("input dimension %d, outputs %d: want both >= 1", meta.D, meta.Outputs)
	}
	switch {
	case meta.Task == concept.TaskMulticlass && meta.Classes != meta.Outputs:
		return nil, bad("multiclass with %d classes but %d outputs", meta.Classes, meta.Outputs)
	case (meta.Task == concept.TaskRegression || meta.Task == concept.TaskClassification) && meta.Outputs != 1:
		return nil, bad("task %s with %d outputs, want 1", meta.Task, meta.Outputs)
	case meta.Task != concept.TaskMulticlass && meta.Task != concept.TaskRegression && meta.Task != concept.TaskClassification:
		return nil, bad("unknown task %q", meta.Task)
	}
	mat := func(name string, cols int) (Matrix, error) {
		a, err := z.Get(name)
		if err != nil {
			return Matrix{}, bad("%v", err)
		}
		data, r, c, err := a.Matrix(name)
		if err != nil {
			return Matrix{}, bad("%v", err)
		}
		if data == nil || (cols > 0 && c != cols) {
			return Matrix{}, bad("%s is %d×%d %v, want float with %d columns", name, r, c, a.DType, cols)
		}
		m := Matrix{Rows: r, Cols: c, Data: data}
		if err := m.Check(name); err != nil {
			return Matrix{}, bad("%v", err)
		}
		return m, nil
	}
	p := &Predictor{Kernel: k, Task: meta.Task, D: meta.D, Classes: meta.Classes, Form: meta.Form}
	switch meta.Form {
	case FormDual:
		if p.Centers, err = mat("centers", meta.D); err != nil {
			return nil, err
		}
		if p.Alpha, err = mat("alpha", meta.Outputs); err != nil {
			return nil, err
		}
		if p.Alpha.Rows != p.Centers.Rows {
			return nil, bad("%d centers but %d dual coefficients", p.Centers.Rows, p.Alpha.Rows)
		}
	case FormPrimal:
		fm, ok := AsFeatureMap(k)
		rf, isRF := fm.(*RandomFeatures)
		if !ok || !isRF {
			return nil, bad("primal form needs a random-feature kernel, got %s", k)
		}
		w, err := mat("rf_weights", meta.D+1)
		if err != nil {
			return nil, err
		}
		if err := rf.SetWeights(w); err != nil {
			return nil, bad("%v", err)
		}
		if p.Beta, err = mat("beta", meta.Outputs); err != nil {
			return nil, err
		}
		if p.Beta.Rows != rf.N {
			return nil, bad("beta has %d rows for %d features", p.Beta.Rows, rf.N)
		}
	default:
		return nil, bad("unknown form %q", meta.Form)
	}
	return p, nil
}
