package crosscheck

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/npyconv"
	"github.com/hierlearn/hierlearn/internal/ortrun"
)

// Engines known to Validate.
var Engines = []string{"native", "onnxruntime", "onnx-go"}

// Diff compares one engine's output with the reference engine's.
type Diff struct {
	Engine  string  `json:"engine"`
	Output  string  `json:"output"`
	MaxAbs  float64 `json:"max_abs"`
	MaxRel  float64 `json:"max_rel"` // max |diff| / max |reference|
	Agrees  bool    `json:"agrees"`
	Problem string  `json:"problem,omitempty"`
}

// Report is the result of Validate.
type Report struct {
	Model     string            `json:"model"`
	Reference string            `json:"reference"`
	Runs      int               `json:"runs"`
	Errors    map[string]string `json:"errors,omitempty"` // engines that failed to run
	Diffs     []Diff            `json:"diffs"`
}

// Tolerance: an engine agrees when max |diff| <= RelTol * max |reference|
// + AbsTol on every output.
const (
	RelTol = 1e-4
	AbsTol = 1e-6
)

// Validate runs the model through each engine on the same inputs and
// compares every output with the reference engine (onnxruntime when it is
// among the engines and runs, else the first engine that runs). Results
// are printed to w as a table.
func Validate(w io.Writer, path string, inputs map[string]*importer.Tensor, engines []string) (*Report, error) {
	return ValidateRuns(w, path, inputs, engines, 1)
}

// ValidateRuns is Validate where the native and onnx-go engines run
// `runs` times on one loaded model and their last outputs are compared
// (onnx-go v0.5.0 drifts from run to run: its Gemm adds its bias into
// itself); onnxruntime runs once.
func ValidateRuns(w io.Writer, path string, inputs map[string]*importer.Tensor, engines []string, runs int) (*Report, error) {
	runs = max(runs, 1)
	rep0 := runs
	m, err := importer.Load(path)
	if err != nil {
		return nil, err
	}
	rep := &Report{Model: path, Errors: map[string]string{}, Runs: rep0}
	results := map[string]map[string]*importer.Tensor{}
	for _, e := range engines {
		var out map[string]*importer.Tensor
		var err error
		switch e {
		case "native":
			s := importer.NewSession(m)
			for r := 0; r < rep0 && err == nil; r++ {
				out, err = s.Run(inputs)
			}
		case "onnxruntime":
			out, err = runORT(path, m, inputs)
		case "onnx-go":
			out, err = runOnnxGo(path, m, inputs, rep0)
		default:
			return nil, fmt.Errorf("--engines: unknown engine %q (want %s)", e, strings.Join(Engines, ", "))
		}
		if err != nil {
			rep.Errors[e] = err.Error()
			fmt.Fprintf(w, "%-12s could not run: %v\n", e, err)
			continue
		}
		results[e] = out
	}
	for _, e := range append([]string{"onnxruntime"}, engines...) {
		if _, ok := results[e]; ok && contains(engines, e) {
			rep.Reference = e
			break
		}
	}
	if rep.Reference == "" {
		return rep, fmt.Errorf("no engine ran the model")
	}
	ref := results[rep.Reference]
	fmt.Fprintf(w, "runs per engine: %d (native, onnx-go; last run compared); reference: %s; tolerance max|diff| <= %g * max|ref| + %g\n", rep0, rep.Reference, RelTol, AbsTol)
	fmt.Fprintf(w, "%-20s %-12s %12s %12s  %s\n", "output", "engine", "max|diff|", "max rel", "verdict")
	for _, o := range m.Outputs {
		r := ref[o.Name]
		for _, e := range engines {
			if e == rep.Reference {
				continue
			}
			got, ok := results[e]
			if !ok {
				continue
			}
			d := compare(e, o.Name, got[o.Name], r)
			rep.Diffs = append(rep.Diffs, d)
			verdict := "agrees"
			if !d.Agrees {
				verdict = "DISAGREES"
				if d.Problem != "" {
					verdict += " (" + d.Problem + ")"
				}
			}
			fmt.Fprintf(w, "%-20s %-12s %12.3g %12.3g  %s\n", o.Name, e, d.MaxAbs, d.MaxRel, verdict)
		}
	}
	var bad []string
	for _, d := range rep.Diffs {
		if !d.Agrees {
			bad = append(bad, d.Engine+" on "+d.Output)
		}
	}
	if len(bad) > 0 {
		fmt.Fprintf(w, "disagreement with %s: %s\n", rep.Reference, strings.Join(bad, ", "))
	} else if len(rep.Diffs) > 0 {
		fmt.Fprintf(w, "all engines agree with %s\n", rep.Reference)
	}
	return rep, nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func compare(engine, name string, got, ref *importer.Tensor) Diff {
	d := Diff{Engine: engine, Output: name}
	switch {
	case got == nil:
		d.Problem = "output missing"
		return d
	case ref == nil:
		d.Problem = "reference output missing"
		return d
	case got.Len() != ref.Len() || fmt.Sprint(got.Shape) != fmt.Sprint(ref.Shape):
		d.Problem = fmt.Sprintf("shape %v, reference %v", got.Shape, ref.Shape)
		return d
	}
	var scale float64
	for i := 0; i < ref.Len(); i++ {
		g, r := at(got, i), at(ref, i)
		diff := math.Abs(g - r)
		if math.IsNaN(g) != math.IsNaN(r) {
			diff = math.Inf(1)
		} else if math.IsNaN(g) {
			diff = 0
		}
		d.MaxAbs = math.Max(d.MaxAbs, diff)
		scale = math.Max(scale, math.Abs(r))
	}
	if scale > 0 {
		d.MaxRel = d.MaxAbs / scale
	}
	d.Agrees = d.MaxAbs <= RelTol*scale+AbsTol
	return d
}

func at(t *importer.Tensor, i int) float64 {
	switch t.DType {
	case importer.Float32:
		return float64(t.F[i])
	case importer.Float64:
		return math.Float64frombits(uint64(t.I[i]))
	}
	return float64(t.I[i])
}

func runORT(path string, m *importer.Model, inputs map[string]*importer.Tensor) (map[string]*importer.Tensor, error) {
	arrs, _, err := ortrun.Run(path, inputs, 1, 0, 0)
	if err != nil {
		return nil, err
	}
	out := map[string]*importer.Tensor{}
	for _, o := range m.Outputs {
		a, ok := arrs[o.Name]
		if !ok {
			return nil, fmt.Errorf("onnxruntime returned no %q", o.Name)
		}
		dt := o.DType
		if dt == 0 { // undeclared output type: keep the runtime's
			dt = importer.Int64
			if a.DType == npy.Float32 || a.DType == npy.Float64 {
				dt = importer.Float32
			}
		}
		t, err := npyconv.Tensor(a, dt)
		if err != nil {
			return nil, fmt.Errorf("onnxruntime output %q: %w", o.Name, err)
		}
		out[o.Name] = t
	}
	return out, nil
}

func runOnnxGo(path string, m *importer.Model, inputs map[string]*importer.Tensor, runs int) (map[string]*importer.Tensor, error) {
	og, err := LoadOnnxGo(path)
	if err != nil {
		return nil, err
	}
	var ins []*importer.Tensor
	for _, vi := range m.Inputs {
		ins = append(ins, inputs[vi.Name])
	}
	var outs []*importer.Tensor
	for r := 0; r < runs; r++ {
		if outs, err = og.Run(ins); err != nil {
			return nil, err
		}
	}
	if len(outs) != len(m.Outputs) {
		return nil, fmt.Errorf("onnx-go returned %d outputs, the model has %d", len(outs), len(m.Outputs))
	}
	res := map[string]*importer.Tensor{}
	for i, o := range m.Outputs {
		res[o.Name] = outs[i]
	}
	return res, nil
}
