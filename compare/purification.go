package compare

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/export"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/version"
	"github.com/hierlearn/hierlearn/train/robust"
)

// The purification preset (issue 16; Allen-Zhu & Li, "Feature
// Purification", arXiv 2005.10190). Its cells name a sparse-coding
// dataset, "sparse-coding:SPEC" with SPEC as concept.ParseSparseCodingSpec
// reads it, and "robust:..." learners of train/robust:
//
//	robust:net[:METHOD-NORM]     the two-layer network, clean or adversarially trained
//	robust:ntk[:METHOD-NORM]     the same network kept near initialisation
//	robust:linear[:METHOD-NORM]  logistic regression
//	robust:poly:P                kernel ridge with (<x, x'>/d + 1)^P
//
// METHOD-NORM is the attack of adversarial training: pgd-l2, fgm-l2,
// pgd-linf or fgm-linf.

// sparseCodingPrefix starts the Dataset name of sparse-coding cells.
const sparseCodingPrefix = "sparse-coding:"

// SparseCodingDataset is the Dataset name of a cell on sparse-coding data.
func SparseCodingDataset(s concept.SparseCodingSpec) string {
	return sparseCodingPrefix + s.Complete().String()
}

// sparseCodingOf parses a sparse-coding dataset name.
func sparseCodingOf(name string) (concept.SparseCodingSpec, bool, error) {
	text, ok := strings.CutPrefix(name, sparseCodingPrefix)
	if !ok {
		return concept.SparseCodingSpec{}, false, nil
	}
	s, err := concept.ParseSparseCodingSpec(text)
	return s, true, err
}

// checkDataset accepts the dataset names a cell may have.
func checkDataset(name string) error {
	if name == FashionMNIST || name == LagField {
		return nil
	}
	if _, ok, err := sparseCodingOf(name); ok {
		return err
	}
	return fmt.Errorf("unknown dataset %q (have %q, %q and %q)", name, FashionMNIST, LagField, sparseCodingPrefix+"d=100,k=10,noise=0.1,margin=1,seed=1")
}

// sparseCoding returns a sparse-coding cell's training set (N points from
// the cell's seed) and test set (NTest points from testSeed), each sampled
// once per run (at the preset's size, 16 MB a training set).
func (dc *dataCache) sparseCoding(c Cell, spec concept.SparseCodingSpec) (Data, error) {
	key := "sc/" + spec.String()
	sc, err := concept.NewSparseCoding(spec)
	if err != nil {
		return Data{}, err
	}
	sample := func(n int, seed uint64) (*concept.Dataset, error) {
		k := fmt.Sprintf("%s/%d/%d", key, n, seed)
		if ds, ok := dc.sets[k]; ok {
			return ds, nil
		}
		ds, err := sc.Sample(n, seed)
		if err != nil {
			return nil, err
		}
		dc.sets[k] = ds
		return ds, nil
	}
	test, err := sample(c.NTest, testSeed)
	if err != nil {
		return Data{}, err
	}
	train, err := sample(c.N, c.Seed)
	if err != nil {
		return Data{}, err
	}
	return Data{Train: train, Test: test}, nil
}

// purificationOptions are the options of robust:... cells, with the
// preset's values as defaults.
type purificationOptions struct {
	Width         int       `json:"width"`
	Init          float64   `json:"init"`
	Steps         int       `json:"steps"`
	Batch         int       `json:"batch"`
	LR            float64   `json:"lr"`
	NTKAlpha      float64   `json:"ntk_alpha"`
	NTKInit       float64   `json:"ntk_init"`
	NTKLR         float64   `json:"ntk_lr"`
	EpsL2         float64   `json:"eps_l2"`
	EpsLInf       float64   `json:"eps_linf"`
	TrainPGDSteps int       `json:"train_pgd_steps"`
	PolyN         int       `json:"poly_n"`
	TopK          int       `json:"top_k"`
	L2Radii       []float64 `json:"l2_radii"`
	LInfRadii     []float64 `json:"linf_radii"`
	EvalSteps     int       `json:"eval_steps"`
}

func defaultPurificationOptions() purificationOptions {
	return purificationOptions{Width: 200, Init: 0.1, Steps: 3000, Batch: 100, LR: 0.003,
		NTKAlpha: 100, NTKInit: 1, NTKLR: 0.05, EpsL2: 0.3, EpsLInf: 0.04, TrainPGDSteps: 5, PolyN: 2000, TopK: robust.DefaultTopK,
		L2Radii: []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.75}, LInfRadii: []float64{0.01, 0.02, 0.03, 0.04, 0.06}, EvalSteps: 10}
}

// purificationExperiment builds the train/robust experiment of a cell.
func purificationExperiment(c Cell) (robust.Experiment, error) {
	o := defaultPurificationOptions()
	if err := c.DecodeOptions(&o); err != nil {
		return robust.Experiment{}, err
	}
	bad := fmt.Errorf("learner %q: want robust:net|ntk|linear[:pgd-l2|fgm-l2|pgd-linf|fgm-linf] or robust:poly:P", c.Learner)
	parts := strings.Split(c.Learner, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "robust" {
		return robust.Experiment{}, bad
	}
	e := robust.Experiment{Kind: parts[1], L2Radii: o.L2Radii, LInfRadii: o.LInfRadii, EvalSteps: o.EvalSteps, TopK: o.TopK}
	e.Train = robust.Config{Width: o.Width, Init: o.Init, LR: o.LR, Adam: true, Batch: o.Batch, Steps: o.Steps, Seed: c.Seed}
	switch e.Kind {
	case robust.KindPoly:
		p, err := strconv.Atoi(strings.Join(parts[2:], ""))
		if len(parts) != 3 || err != nil {
			return robust.Experiment{}, bad
		}
		e.PolyDegree, e.PolyN = p, o.PolyN
		return e, nil
	case robust.KindNTK:
		// Plain SGD with momentum: Adam would undo the 1/alpha^2 scaling
		// that keeps the network near its initialisation.
		e.Train.Adam, e.Train.LR, e.Train.Momentum = false, o.NTKLR, 0.9
		e.Train.Init, e.Train.Alpha = o.NTKInit, o.NTKAlpha
	case robust.KindLinear:
		// Convex: a decaying step size ends at the optimum (at d >= 400 a
		// fixed one stays above the constant classifier's loss).
		e.Train.Cosine = true
	case robust.KindNet:
	default:
		return robust.Experiment{}, bad
	}
	if len(parts) == 3 {
		method, norm, ok := strings.Cut(parts[2], "-")
		if !ok {
			return robust.Experiment{}, bad
		}
		eps := o.EpsL2
		if norm == robust.LInf {
			eps = o.EpsLInf
		}
		e.Train.Adv = robust.Attack{Method: method, Norm: norm, Eps: eps}
		if method == robust.PGD {
			e.Train.Adv.Steps = o.TrainPGDSteps
		}
		if err := e.Train.Adv.Validate(); err != nil {
			return robust.Experiment{}, fmt.Errorf("learner %q: %w", c.Learner, err)
		}
	}
	return e, nil
}

// runRobust fits and evaluates a robust:... cell on sparse-coding data.
func runRobust(ctx context.Context, c Cell, d Data) (map[string]any, error) {
	spec, ok, err := sparseCodingOf(c.Dataset)
	if !ok || err != nil {
		return nil, fmt.Errorf("learner %s needs a %s... dataset, the cell has %q (%v)", c.Learner, sparseCodingPrefix, c.Dataset, err)
	}
	e, err := purificationExperiment(c)
	if err != nil {
		return nil, err
	}
	sc, err := concept.NewSparseCoding(spec)
	if err != nil {
		return nil, err
	}
	res, err := robust.Run(ctx, e, sc, d.Train, d.Test)
	if err != nil {
		return nil, err
	}
	m, err := toMap(res)
	if err != nil {
		return nil, err
	}
	if check, _ := c.Options["check_onnx"].(bool); check {
		cfg, _ := json.Marshal(e)
		meta := map[string]string{"experiment": string(cfg), "dataset": c.Dataset, "seed": fmt.Sprint(c.Seed)}
		native, ort, err := checkRobustONNX(filepath.Join(d.Dir, "model.onnx"), res.Model, d.Test, meta)
		if err != nil {
			return nil, fmt.Errorf("ONNX check of the trained model: %w", err)
		}
		m["onnx_native_max_rel_diff"], m["onnx_ort_max_rel_diff"] = native, ort
	}
	return m, nil
}

// checkRobustONNX exports a train/robust model to path (opset 17, with
// meta and the version in metadata_props) and runs the test set through
// hierlearn's importer and onnxruntime: the largest differences from the
// Go scores relative to their scale.
func checkRobustONNX(path string, model robust.Model, test *concept.Dataset, meta map[string]string) (native, ort float64, err error) {
	g, err := export.RobustGraph(model, 17)
	if err != nil {
		return 0, 0, err
	}
	for k, v := range meta {
		g.SetMetadata(k, v)
	}
	g.SetMetadata("version", version.Full())
	if err := g.Write(path); err != nil {
		return 0, 0, err
	}
	want := model.Scores(test.X, test.N)
	om, err := loadONNX(path)
	if err != nil {
		return 0, 0, fmt.Errorf("import %s: %w", path, err)
	}
	outs, err := om.run(test.X, test.N, test.D)
	if err != nil {
		return 0, 0, fmt.Errorf("run %s in hierlearn: %w", path, err)
	}
	y, ok := outs["y"]
	if !ok || len(y.F) != len(want) {
		return 0, 0, fmt.Errorf("%s: no output y of %d scores", path, len(want))
	}
	native = maxRelDiff(y.F, want)
	outs2, _, err := ortrun.Run(path, map[string]*importer.Tensor{"x": xTensor(test.X, test.N, test.D)}, 1, 0, 0)
	if err != nil {
		return 0, 0, fmt.Errorf("onnxruntime: %w", err)
	}
	ref, ok := outs2["y"]
	if !ok || len(ref.F32) != len(want) {
		return 0, 0, fmt.Errorf("onnxruntime gave no output y of %d scores", len(want))
	}
	return native, maxRelDiff(ref.F32, want), nil
}

// The purification preset's two main sweeps: the l2 claims at d=100
// (n=10,000, width 200) and the l-infinity claims at d=400 (n=40,000,
// width 400, radius 0.02 = 0.4/sqrt(d)), where the linear model no longer
// escapes an l-infinity perturbation by concentrating its weights on few
// coordinates (see purification_scaling.go) and where 10,000 points were
// too few: the adversarially trained network fitted them without
// purifying (robust accuracy 0.18 at width 800, 0.75 on 40,000 points).
var (
	purificationL2Spec   = concept.SparseCodingSpec{D: 100, Noise: 0.1, Margin: 1, Seed: 1}
	purificationLInfSpec = concept.SparseCodingSpec{D: 400, Noise: 0.1, Margin: 1, Seed: 1}
)

// purificationLearners are the learners of a main sweep, adversarial
// training under norm.
func purificationLearners(norm string) []string {
	return []string{"robust:net", "robust:net:pgd-" + norm, "robust:net:fgm-" + norm, "robust:ntk", "robust:ntk:pgd-" + norm,
		"robust:linear", "robust:linear:pgd-" + norm, "robust:poly:3"}
}

// purificationPreset: the l2 sweep at d=100 and the l-infinity sweep at
// d=400 (k = sqrt(d), noise 0.1, label margin 1, 1,000 test points, seeds
// 1-5), and the linear model's l-infinity scaling sweeps at other d.
func purificationPreset() Config {
	return Config{Name: "purification", Description: "Feature purification (issue 16; arXiv 2005.10190): sparse-coding data x = M z + xi " +
		"(about sqrt(d) non-zero codes, noise norm 0.1, label margin |<w*, z>| >= 1), 1,000 test points, seeds 1-5. " +
		"A two-layer symmetric ReLU network (Adam, 3,000 steps of batch 100) trained clean and adversarially " +
		"(PGD and FGM; FGM-l-infinity 12,000 steps), the same network in the NTK regime (alpha 100, SGD) and " +
		"logistic regression (Adam with a cosine-decaying step), each clean and PGD-trained, and a degree-3 polynomial kernel (2,000 points): " +
		"under l2 at d=100 (n=10,000, width 200, radius 0.3) and under l-infinity at d=400 (n=40,000, width 400, radius 0.02 = 0.4/sqrt(d)). " +
		"Accuracy under PGD-10 and FGM against the radius, " +
		"and the decomposition of the neurons in the dictionary's basis (pure top-3 part against the dense mixture); " +
		"then l-infinity-trained logistic regression at d = 100, 200, 800 at the scaled radius 0.4/sqrt(d) (purification_scaling.go).",
		Sweeps: append([]Sweep{
			{Experiment: "purification", Dataset: SparseCodingDataset(purificationL2Spec), Learners: purificationLearners(robust.L2),
				N: []int{10000}, Seeds: seeds1to5, NTest: 1000, Options: map[string]any{"linf_radii": []float64{}}},
			linfSweep(slices.DeleteFunc(purificationLearners(robust.LInf), func(l string) bool { return l == linfFGMLearner }), nil),
			linfSweep([]string{linfFGMLearner}, map[string]any{"steps": linfFGMSteps}),
		}, purificationScalingSweeps()...)}
}

// linfFGMLearner trains longer at d=400 (linfFGMSteps steps): under
// FGM-l-infinity training the network stays at the constant classifier's
// loss for longer than under PGD (3,000 steps: loss 0.693, robust
// accuracy 0.42; 6,000: the loss starts to fall, 0.49), where PGD
// training leaves that plateau after about 1,500 steps.
const (
	linfFGMLearner = "robust:net:fgm-linf"
	linfFGMSteps   = 12000
)

// linfSweep is the l-infinity sweep's part with these learners, its
// options updated by extra.
func linfSweep(learners []string, extra map[string]any) Sweep {
	eps := linfScale / math.Sqrt(float64(purificationLInfSpec.D))
	opt := map[string]any{"width": 400, "eps_linf": eps, "linf_radii": []float64{eps / 4, eps / 2, 3 * eps / 4, eps, 3 * eps / 2}, "l2_radii": []float64{}}
	maps.Copy(opt, extra)
	return Sweep{Experiment: "purification", Dataset: SparseCodingDataset(purificationLInfSpec), Learners: learners,
		N: []int{40000}, Seeds: seeds1to5, NTest: 1000, Options: opt}
}
