package compare

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/export"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/importer/analysis"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/reftools"
	"github.com/hierlearn/hierlearn/train"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// runBatch is the batch size for evaluating imported models on test sets.
const runBatch = 4096

// onnxModel is a loaded ONNX model whose first input is x [N, d].
type onnxModel struct {
	path  string
	model *importer.Model
	sess  *importer.Session
}

func loadONNX(path string) (*onnxModel, error) {
	m, err := importer.Load(path)
	if err != nil {
		return nil, err
	}
	return &onnxModel{path: path, model: m, sess: importer.NewSession(m)}, nil
}

// xTensor turns n x d float64 rows into the float32 input tensor x.
func xTensor(x []float64, n, d int) *importer.Tensor {
	f := make([]float32, len(x))
	for i, v := range x {
		f[i] = float32(v)
	}
	t, _ := importer.NewFloat32(f, n, d)
	return t
}

// run evaluates the model on x with hierlearn's executor.
func (o *onnxModel) run(x []float64, n, d int) (map[string]*importer.Tensor, error) {
	return importer.RunBatched(o.sess, map[string]*importer.Tensor{"x": xTensor(x, n, d)}, runBatch)
}

// ortAgreement runs the model in onnxruntime on x and returns
// max|go - ort| / max|ort| over output name.
func ortAgreement(path string, goOut *importer.Tensor, name string, x []float64, n, d int) (float64, error) {
	outs, _, err := ortrun.Run(path, map[string]*importer.Tensor{"x": xTensor(x, n, d)}, 1, 0, 0)
	if err != nil {
		return 0, fmt.Errorf("onnxruntime: %w", err)
	}
	ref, ok := outs[name]
	if !ok {
		return 0, fmt.Errorf("onnxruntime gave no output %q", name)
	}
	want := ref.Float64s()
	if len(want) != len(goOut.F) {
		return 0, fmt.Errorf("output %q: onnxruntime gave %d values, hierlearn %d", name, len(want), len(goOut.F))
	}
	return maxRelDiff(goOut.F, want), nil
}

func maxRelDiff(got []float32, want []float64) float64 {
	var diff, scale float64
	for i, w := range want {
		diff = math.Max(diff, math.Abs(float64(got[i])-w))
		scale = math.Max(scale, math.Abs(w))
	}
	if scale == 0 {
		return diff
	}
	return diff / scale
}

// relMSE is train.RelMSE of float32 predictions.
func relMSE(pred []float32, y []float64) float64 {
	p := make([]float64, len(pred))
	for i, v := range pred {
		p[i] = float64(v)
	}
	return train.RelMSE(p, y)
}

// checkExported exports a finished train run to ONNX (opset 17), runs it
// in hierlearn's importer and in onnxruntime on the test set, and adds
// their agreement with the Go model to m.
func checkExported(runDir string, test *concept.Dataset, m map[string]any) error {
	mp, err := export.Run(runDir, 17)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	path := filepath.Join(runDir, "model.onnx")
	if err := export.WriteModel(path, mp); err != nil {
		return err
	}
	model, err := train.LoadModel(runDir)
	if err != nil {
		return err
	}
	want, err := model.Predict(test.X)
	if err != nil {
		return err
	}
	om, err := loadONNX(path)
	if err != nil {
		return fmt.Errorf("import of our own export: %w", err)
	}
	outs, err := om.run(test.X, test.N, test.D)
	if err != nil {
		return err
	}
	m["onnx_native_max_rel_diff"] = maxRelDiff(outs["y"].F, want)
	ort, _, err := ortrun.Run(path, map[string]*importer.Tensor{"x": xTensor(test.X, test.N, test.D)}, 1, 0, 0)
	if err != nil {
		return fmt.Errorf("onnxruntime: %w", err)
	}
	y := ort["y"].Float32s()
	m["onnx_ort_max_rel_diff"] = maxRelDiff(y, want)
	return nil
}

// torchModel trains (once per concept, n, seed and model options) a model
// in PyTorch with tools/torch_crossframework.py and returns its directory,
// holding model.onnx and torch_metrics.json.
func torchModel(ctx context.Context, c Cell, d Data, model string) (string, error) {
	fam, rest, _ := strings.Cut(model, ":")
	args := []string{"--model", fam}
	if fam == "hnet" {
		mode := rest
		if mode == "" {
			mode = "progressive"
		}
		args = append(args, "--mode", mode)
	} else if fam != "mlp" && fam != "resnet" {
		return "", fmt.Errorf("torch model %q: want hnet:MODE, mlp or resnet", model)
	}
	var o struct {
		StepsPerStage *int  `json:"steps_per_stage"`
		Hidden        []int `json:"hidden"`
	}
	if err := c.DecodeOptions(&o); err != nil {
		return "", err
	}
	if o.StepsPerStage != nil {
		args = append(args, "--steps-per-stage", fmt.Sprint(*o.StepsPerStage))
	}
	if len(o.Hidden) > 0 && fam == "mlp" {
		var parts []string
		for _, h := range o.Hidden {
			parts = append(parts, fmt.Sprint(h))
		}
		args = append(args, "--hidden", strings.Join(parts, ","))
	}
	args = append(args, "--seed", fmt.Sprint(c.Seed))
	key, _ := json.Marshal(struct {
		Concept concept.Spec
		N, NT   int
		Args    []string
	}{c.Concept, c.N, c.NTest, args})
	h := sha256.Sum256(key)
	dir := filepath.Join(d.Root, "torch", hex.EncodeToString(h[:8]))
	if _, err := os.Stat(filepath.Join(dir, "torch_metrics.json")); err == nil {
		return dir, nil
	}
	py, err := reftools.Python("torch", "onnx")
	if err != nil {
		return "", err
	}
	script, err := reftools.Tool("torch_crossframework.py")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	trainPath, testPath := filepath.Join(dir, "train.npz"), filepath.Join(dir, "test.npz")
	if err := d.Train.Save(trainPath); err != nil {
		return "", err
	}
	if err := d.Test.Save(testPath); err != nil {
		return "", err
	}
	args = append(args, "--train", trainPath, "--test", testPath, "--out", dir)
	cmd := exec.CommandContext(ctx, py, append([]string{script}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s: %w\n%s", filepath.Base(script), err, out)
	}
	// The data copies are only the script's input.
	os.Remove(trainPath)
	os.Remove(testPath)
	return dir, nil
}

// runTorch is the runner of "torch:MODEL" (a PyTorch model imported and
// evaluated by hierlearn), "torch-ck:MODEL" (kernel ridge on its
// penultimate features, the conjugate kernel) and "torch-ntk:MODEL"
// (kernel ridge with its empirical neural tangent kernel with respect to
// every weight, from hierlearn's gradients of the imported graph).
func runTorch(ctx context.Context, c Cell, d Data) (map[string]any, error) {
	fam, model, _ := strings.Cut(c.Learner, ":")
	dir, err := torchModel(ctx, c, d, model)
	if err != nil {
		return nil, err
	}
	var tm map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "torch_metrics.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &tm); err != nil {
		return nil, fmt.Errorf("torch_metrics.json: %w", err)
	}
	path := filepath.Join(dir, "model.onnx")
	om, err := loadONNX(path)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	te := d.Test
	outs, err := om.run(te.X, te.N, te.D)
	if err != nil {
		return nil, err
	}
	m := map[string]any{"learner": c.Learner, "framework": "pytorch " + fmt.Sprint(tm["torch"]),
		"n_train": c.N, "n_test": te.N, "seed": c.Seed, "torch": tm, "onnx": path}
	agree, err := ortAgreement(path, outs["y"], "y", te.X, te.N, te.D)
	if err != nil {
		return nil, err
	}
	m["ort_max_rel_diff"] = agree
	switch fam {
	case "torch":
		if te.Task == concept.TaskMulticlass {
			m["test_error"] = argmaxError(outs["y"], te.Labels)
		} else {
			m["test_rel_mse"] = relMSE(outs["y"].F, te.Y)
		}
	case "torch-ck", "torch-ntk":
		var k kernel.Kernel = kernel.FeatureKernel{Map: &onnxFeatures{model: om, output: "features", width: outs["features"].Shape[1]}}
		m["kernel"] = "conjugate(" + model + ")"
		if fam == "torch-ntk" {
			g, err := analysis.NTKGram(om.model, "y", "", 0)
			if err != nil {
				return nil, fmt.Errorf("empirical NTK: %w", err)
			}
			k = g
			m["kernel"] = "empirical-ntk(" + model + ")"
		}
		res, err := kernel.Fit(k, d.Train, kernel.Options{Seed: c.Seed})
		if err != nil {
			return nil, err
		}
		pred, err := res.Predictor.Predict(kernel.Inputs(te))
		if err != nil {
			return nil, err
		}
		score, err := kernel.Score(pred, te)
		if err != nil {
			return nil, err
		}
		if score.Error != nil {
			m["test_error"] = *score.Error
		} else {
			m["test_rel_mse"] = score.RelMSE
		}
		m["ridge"] = res.Ridge
		m["method"] = res.Method
	default:
		return nil, fmt.Errorf("learner %q: want torch:MODEL, torch-ck:MODEL or torch-ntk:MODEL", c.Learner)
	}
	return m, nil
}

// onnxFeatures is the feature map x -> [the named output of an imported
// model, 1]: with the penultimate features it gives the conjugate kernel.
// The constant feature stands for the output layer's bias, which the
// kernel solver (ridge without intercept) could not fit otherwise.
type onnxFeatures struct {
	model  *onnxModel
	output string
	width  int
}

func (f *onnxFeatures) String() string { return "onnx-features:" + f.output }

func (f *onnxFeatures) Width(d int) int { return f.width + 1 }

func (f *onnxFeatures) Features(x kernel.Matrix) (kernel.Matrix, error) {
	outs, err := f.model.run(x.Data, x.Rows, x.Cols)
	if err != nil {
		return kernel.Matrix{}, err
	}
	t, ok := outs[f.output]
	if !ok || len(t.Shape) != 2 || t.Shape[0] != x.Rows {
		return kernel.Matrix{}, fmt.Errorf("model has no output %q of shape [N, m]", f.output)
	}
	m := t.Shape[1]
	out := kernel.Matrix{Rows: x.Rows, Cols: m + 1, Data: make([]float64, x.Rows*(m+1))}
	for i := 0; i < x.Rows; i++ {
		row := out.Data[i*(m+1) : (i+1)*(m+1)]
		for j, v := range t.F[i*m : (i+1)*m] {
			row[j] = float64(v)
		}
		row[m] = 1
	}
	return out, nil
}

// argmaxError is the share of rows of logits [N, C] whose argmax is not the label.
func argmaxError(logits *importer.Tensor, labels []int64) float64 {
	n, c := logits.Shape[0], logits.Shape[1]
	wrong := 0
	for i := 0; i < n; i++ {
		row := logits.F[i*c : (i+1)*c]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if int64(best) != labels[i] {
			wrong++
		}
	}
	return float64(wrong) / float64(n)
}
