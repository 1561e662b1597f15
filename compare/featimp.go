package compare

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/hierlearn/hierlearn/concept/lagfield"
	"github.com/hierlearn/hierlearn/export"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/importer/analysis"
	"github.com/hierlearn/hierlearn/internal/crosscheck"
	"github.com/hierlearn/hierlearn/internal/ortrun"
)

// The feature-importance study (issue 16; after Xu et al., arXiv
// 2108.13203): a DenseNet-style emulator trained in PyTorch on lagfield
// data (a known ground truth), imported, and every attribution method
// scored against the truth.

// LagField names the concept/lagfield dataset in cells: the training set
// is Sample(N, Seed), the test set Sample(NTest, 2^40) (shared by every
// seed). Options "grid" (H = W) and "lags" change lagfield.DefaultSpec.
const LagField = "lagfield"

// Methods of the study: the gradient methods of importer/analysis, then
// occlusion and permutation importance.
var featimpMethods = []string{"saliency", "gxi", "ig", "smoothgrad", "occlusion", "permutation"}

// featimpGradMethods are re-run on the randomised model.
var featimpGradMethods = []string{"saliency", "gxi", "ig", "smoothgrad"}

// randomSuffix marks the profiles of the randomised model.
const randomSuffix = " (random weights)"

// featimpIGSteps are the step counts of the completeness sweep.
var featimpIGSteps = []int{8, 16, 32, 64, 128}

// lagfieldSpec is the spec of a lagfield cell.
func lagfieldSpec(c Cell) lagfield.Spec {
	s := lagfield.DefaultSpec()
	if g := optInt(c, "grid", 0); g > 0 {
		s.H, s.W = g, g
	}
	if l := optInt(c, "lags", 0); l > 0 {
		s.Lags = l
	}
	return s
}

// optInt reads an integer option (JSON and YAML give float64).
func optInt(c Cell, key string, def int) int {
	switch v := c.Options[key].(type) {
	case float64:
		return int(v)
	case int:
		return v
	}
	return def
}

// lagfieldData samples a lagfield cell's data.
func lagfieldData(c Cell) (Data, error) {
	s := lagfieldSpec(c)
	test, err := s.Sample(c.NTest, testSeed)
	if err != nil {
		return Data{}, err
	}
	train, err := s.Sample(c.N, c.Seed)
	if err != nil {
		return Data{}, err
	}
	return Data{Train: train, Test: test}, nil
}

// runEmulator is the runner of "emulator:densenet" on lagfield data: it
// trains tools/train_emulator.py (options epochs, growth, opset), imports
// the model, checks it against onnxruntime, and runs the study (options
// explain, targets, occlude, permute, ig_steps, smooth_samples, ig_check;
// see featimpStudy).
func runEmulator(ctx context.Context, c Cell, d Data) (map[string]any, error) {
	if c.Dataset != LagField {
		return nil, fmt.Errorf("learner %s runs on dataset %q, not %q", c.Learner, LagField, c.Dataset)
	}
	s := lagfieldSpec(c)
	train, test := filepath.Join(d.Dir, "train.npz"), filepath.Join(d.Dir, "test.npz")
	if err := lagfield.Save(train, s, d.Train); err != nil {
		return nil, err
	}
	if err := lagfield.Save(test, s, d.Test); err != nil {
		return nil, err
	}
	opt := crosscheck.EmulatorOptions{Epochs: optInt(c, "epochs", 0), Growth: optInt(c, "growth", 0), Opset: optInt(c, "opset", 0), Seed: c.Seed}
	dir, err := crosscheck.TrainEmulator(ctx, train, test, filepath.Join(d.Root, "emulator"), opt)
	if err != nil {
		return nil, err
	}
	// The data files were only the script's input (the cell can remake them).
	os.Remove(train)
	os.Remove(test)
	var tm map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "emulator_meta.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &tm); err != nil {
		return nil, fmt.Errorf("emulator_meta.json: %w", err)
	}
	path := filepath.Join(dir, "model.onnx")
	m := map[string]any{"learner": c.Learner, "onnx": path, "torch": tm, "spec": s, "seed": c.Seed,
		"n_train": c.N, "n_test": c.NTest}
	if err := checkLagfieldONNX(s, d.Dir, m); err != nil {
		return nil, err
	}
	if err := featimpStudy(ctx, c, s, path, d, m); err != nil {
		return nil, err
	}
	return m, nil
}

// checkLagfieldONNX exports the data's noise-free target (export.LagField,
// opset 17), runs it in hierlearn's importer and in onnxruntime on 64
// test inputs, and records both against the generator's noise-free y
// (the same inputs: the noise has its own stream).
func checkLagfieldONNX(s lagfield.Spec, dir string, m map[string]any) error {
	s0 := s
	s0.Noise = 0
	ds, err := s0.Sample(64, testSeed)
	if err != nil {
		return err
	}
	mp, err := export.LagField(s, 17)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "lagfield-target.onnx")
	if err := export.WriteModel(path, mp); err != nil {
		return err
	}
	model, err := importer.Load(path)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	x := analysis.Inputs(ds)
	got, err := importer.NewSession(model).Run(map[string]*importer.Tensor{"x": x})
	if err != nil {
		return err
	}
	ort, _, err := ortrun.Run(path, map[string]*importer.Tensor{"x": x}, 1, 0, 0)
	if err != nil {
		return fmt.Errorf("onnxruntime: %w", err)
	}
	m["data_onnx"] = path
	m["data_onnx_native_max_rel_diff"] = maxRelDiff(got["y"].F, ds.Y)
	m["data_onnx_ort_max_rel_diff"] = maxRelDiff(ort["y"].Float32s(), ds.Y)
	return nil
}

// studyConfig is the size of the study (cell options, defaults).
type studyConfig struct {
	Explain       int `json:"explain"`        // examples explained by the gradient methods
	Targets       int `json:"targets"`        // output points explained (lagfield's Targets, in order)
	Occlude       int `json:"occlude"`        // examples explained by occlusion (a pass per element)
	Permute       int `json:"permute"`        // examples shuffled by permutation importance
	IGSteps       int `json:"ig_steps"`       // integrated gradients' steps for the scores
	SmoothSamples int `json:"smooth_samples"` // SmoothGrad's samples
	IGCheck       int `json:"ig_check"`       // examples of the completeness sweep
}

func newStudyConfig(c Cell) studyConfig {
	return studyConfig{Explain: optInt(c, "explain", 8), Targets: optInt(c, "targets", 3), Occlude: optInt(c, "occlude", 2),
		Permute: optInt(c, "permute", 128), IGSteps: optInt(c, "ig_steps", 32), SmoothSamples: optInt(c, "smooth_samples", 16),
		IGCheck: optInt(c, "ig_check", 2)}
}

// featimpStudy imports the emulator and adds to m its test error, its
// agreement with onnxruntime, each method's agreement with the truth, the
// randomisation check and integrated gradients' completeness.
//
// Each method explains the output at each target point (the first
// Targets of lagfield's Targets) for the first Explain test examples
// (occlusion: the first Occlude; permutation: the first Permute, scored
// against the true y); an importance map is the mean |attribution| over
// the examples, reduced to profiles by lagfield.Aggregate and scored per
// target, then averaged over targets.
func featimpStudy(ctx context.Context, c Cell, s lagfield.Spec, path string, d Data, m map[string]any) error {
	cfg := newStudyConfig(c)
	m["study"] = cfg
	model, err := importer.Load(path)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	md, err := analysis.New(model, "y", nil)
	if err != nil {
		return err
	}
	te := d.Test
	xAll := analysis.Inputs(te)
	nCheck := min(te.N, 64)
	y, err := md.Predict(rowsOf(xAll, nCheck))
	if err != nil {
		return err
	}
	m["test_rel_mse"] = relMSE(y.F, te.Y[:len(y.F)])
	ort, _, err := ortrun.Run(path, map[string]*importer.Tensor{"x": rowsOf(xAll, nCheck)}, 1, 0, 0)
	if err != nil {
		return fmt.Errorf("onnxruntime: %w", err)
	}
	m["ort_max_rel_diff"] = maxRelDiff(y.F, ort["y"].Float64s())

	targets := s.Targets()[:min(cfg.Targets, len(s.Targets()))]
	outIdx := make([]int, len(targets))
	for k, p := range targets {
		outIdx[k] = p.R*s.W + p.C
	}
	x := rowsOf(xAll, min(cfg.Explain, te.N))
	maps := map[string][][]float64{} // method -> per target importance map
	for _, meth := range featimpGradMethods {
		for _, o := range outIdx {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			a, err := md.Attribute(x, analysis.AttrOptions{Method: meth, Target: o, Steps: cfg.IGSteps, Samples: cfg.SmoothSamples, Seed: c.Seed})
			if err != nil {
				return fmt.Errorf("%s: %w", meth, err)
			}
			maps[meth] = append(maps[meth], meanAbs(a, s.InputSize()))
		}
	}
	occ, err := md.Occlusion(rowsOf(xAll, min(cfg.Occlude, te.N)), analysis.OcclusionOptions{Targets: outIdx})
	if err != nil {
		return fmt.Errorf("occlusion: %w", err)
	}
	for _, a := range occ {
		maps["occlusion"] = append(maps["occlusion"], meanAbs(a, s.InputSize()))
	}
	scores := map[string]map[string]float64{}
	profiles := map[string]map[string][]float64{}
	for meth, ms := range maps {
		sc, pr, err := scoreMaps(s, targets, ms)
		if err != nil {
			return err
		}
		scores[meth], profiles[meth] = sc, pr
	}
	perm, pprof, err := permutationStudy(s, md, rowsOf(xAll, min(cfg.Permute, te.N)), te.Y, targets, outIdx, c.Seed)
	if err != nil {
		return fmt.Errorf("permutation: %w", err)
	}
	scores["permutation"], profiles["permutation"] = perm, pprof
	for k, v := range scores {
		scores[k] = finite(v)
	}
	truth := make([][]float64, len(targets))
	for k, p := range targets {
		truth[k] = s.Truth(p)
	}
	_, profiles["truth"], err = scoreMaps(s, targets, truth)
	if err != nil {
		return err
	}
	m["scores"], m["profiles"] = scores, profiles

	// The model-randomisation check: the same methods on the same
	// inputs with every weight tensor redrawn.
	rmodel, err := importer.Load(path)
	if err != nil {
		return err
	}
	params, err := analysis.SelectParams(rmodel, "")
	if err != nil {
		return err
	}
	rmd, err := analysis.New(rmodel, "y", params)
	if err != nil {
		return err
	}
	randomised, err := rmd.RandomizeWeights(c.Seed)
	if err != nil {
		return err
	}
	rnd := map[string]map[string]float64{}
	for _, meth := range featimpGradMethods {
		var rmaps [][]float64
		for _, o := range outIdx {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			a, err := rmd.Attribute(x, analysis.AttrOptions{Method: meth, Target: o, Steps: cfg.IGSteps, Samples: cfg.SmoothSamples, Seed: c.Seed})
			if err != nil {
				return fmt.Errorf("randomised %s: %w", meth, err)
			}
			rmaps = append(rmaps, meanAbs(a, s.InputSize()))
		}
		r, pr, err := randomisationScores(s, targets, maps[meth], rmaps)
		if err != nil {
			return err
		}
		rnd[meth] = finite(r)
		profiles[meth+randomSuffix] = pr
	}
	m["randomisation"] = rnd
	m["randomised_params"] = len(randomised)

	ig, err := igCompleteness(md, x, outIdx[0], cfg.IGCheck)
	if err != nil {
		return err
	}
	for k, v := range ig {
		m[k] = v
	}
	return nil
}

// finite drops the NaN and infinite values of m (JSON has none; the
// report shows a dash): a Spearman correlation of a constant profile, a
// share of an all-zero total.
func finite(m map[string]float64) map[string]float64 {
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			delete(m, k)
		}
	}
	return m
}

// rowsOf is the first n examples of a batch (a view).
func rowsOf(x *importer.Tensor, n int) *importer.Tensor {
	d := len(x.F) / x.Shape[0]
	return &importer.Tensor{DType: importer.Float32, Shape: append([]int{n}, x.Shape[1:]...), F: x.F[:n*d]}
}

// meanAbs is the mean over examples of |a|, one value per input element.
func meanAbs(a *importer.Tensor, d int) []float64 {
	n := len(a.F) / d
	out := make([]float64, d)
	for i, v := range a.F {
		out[i%d] += math.Abs(float64(v)) / float64(n)
	}
	return out
}

// scoreMaps scores importance maps (one per target) against the truth:
// Spearman rank correlation of the lag, distance, location and element
// profiles and of the elements on the truth's support (nonzero truth:
// over all elements the many tied zeros cap the correlation), top-k precision of locations and elements (k = the number
// with nonzero truth), and the share of the total on distractor channels;
// each the mean over targets. It also returns the lag and distance
// profiles averaged over targets (each normalised to a maximum of 1).
func scoreMaps(s lagfield.Spec, targets []lagfield.Point, maps [][]float64) (map[string]float64, map[string][]float64, error) {
	sc := map[string]float64{}
	lag := make([]float64, s.Lags)
	dist := make([]float64, s.DistanceBins())
	for k, p := range targets {
		pr, err := s.Aggregate(maps[k], p)
		if err != nil {
			return nil, nil, err
		}
		tr, _ := s.Aggregate(s.Truth(p), p)
		add := func(key string, v float64, err error) error {
			sc[key] += v / float64(len(targets))
			return err
		}
		rho, err := analysis.Spearman(pr.Lag, tr.Lag)
		if err := add("spearman_lag", rho, err); err != nil {
			return nil, nil, err
		}
		rho, err = analysis.Spearman(pr.Distance, tr.Distance)
		if err := add("spearman_distance", rho, err); err != nil {
			return nil, nil, err
		}
		rho, err = analysis.Spearman(pr.Location, tr.Location)
		if err := add("spearman_location", rho, err); err != nil {
			return nil, nil, err
		}
		truth := s.Truth(p)
		rho, err = analysis.Spearman(maps[k], truth)
		if err := add("spearman_element", rho, err); err != nil {
			return nil, nil, err
		}
		a, b := onSupport(maps[k], truth, truth)
		rho, err = analysis.Spearman(a, b)
		if err := add("spearman_support", rho, err); err != nil {
			return nil, nil, err
		}
		prec, err := analysis.TopKPrecision(pr.Location, tr.Location, nonzero(tr.Location))
		if err := add("topk_location", prec, err); err != nil {
			return nil, nil, err
		}
		prec, err = analysis.TopKPrecision(maps[k], truth, nonzero(truth))
		if err := add("topk_element", prec, err); err != nil {
			return nil, nil, err
		}
		add("distractor_share", distractorShare(s, pr.Channel), nil)
		addNormalised(lag, pr.Lag, len(targets))
		addNormalised(dist, pr.Distance, len(targets))
	}
	return sc, map[string][]float64{"lag": lag, "distance": dist}, nil
}

// onSupport keeps the entries of a and b where truth is nonzero.
func onSupport(a, b, truth []float64) ([]float64, []float64) {
	var x, y []float64
	for i, t := range truth {
		if t != 0 {
			x, y = append(x, a[i]), append(y, b[i])
		}
	}
	return x, y
}

func nonzero(v []float64) int {
	n := 0
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	return max(n, 1)
}

// distractorShare is the share of the channel totals on channels with
// a_c = 0 (negative totals, possible for permutation importance, count 0).
func distractorShare(s lagfield.Spec, ch []float64) float64 {
	var dis, all float64
	for c, v := range ch {
		v = math.Max(v, 0)
		all += v
		if s.Amp[c] == 0 {
			dis += v
		}
	}
	if all == 0 {
		return math.NaN()
	}
	return dis / all
}

// addNormalised adds v / max(v) / n to acc (NaN entries add nothing).
func addNormalised(acc, v []float64, n int) {
	top := math.Inf(-1)
	for _, x := range v {
		if !math.IsNaN(x) {
			top = math.Max(top, x)
		}
	}
	if !(top > 0) {
		return
	}
	for i, x := range v {
		if !math.IsNaN(x) {
			acc[i] += x / top / float64(n)
		}
	}
}

// permutationStudy scores permutation importance: the groups are the lags
// and the channels (all targets from the same passes) and, per target,
// the distance rings round(|q-p|) = b, whose importance is divided by the
// ring's size (a per-element mean, as the truth's distance profile).
// Location and element scores need a pass per location or element and
// are not computed (NaN).
func permutationStudy(s lagfield.Spec, md *analysis.Model, x *importer.Tensor, yAll []float64, targets []lagfield.Point, outIdx []int, seed uint64) (map[string]float64, map[string][]float64, error) {
	n, per := x.Shape[0], s.H*s.W
	y := yAll[:n*per]
	var groups [][]int
	for l := 0; l < s.Lags; l++ {
		var g []int
		for c := 0; c < s.Channels; c++ {
			for q := 0; q < per; q++ {
				g = append(g, s.Index(c, l, q/s.W, q%s.W))
			}
		}
		groups = append(groups, g)
	}
	for c := 0; c < s.Channels; c++ {
		var g []int
		for l := 0; l < s.Lags; l++ {
			for q := 0; q < per; q++ {
				g = append(g, s.Index(c, l, q/s.W, q%s.W))
			}
		}
		groups = append(groups, g)
	}
	imp, err := md.Permutation(x, analysis.PermutationOptions{Targets: outIdx, Groups: groups, Y: y, Seed: seed})
	if err != nil {
		return nil, nil, err
	}
	nan := math.NaN()
	sc := map[string]float64{}
	lag := make([]float64, s.Lags)
	dist := make([]float64, s.DistanceBins())
	for k, p := range targets {
		tr, _ := s.Aggregate(s.Truth(p), p)
		rho, err := analysis.Spearman(imp[k][:s.Lags], tr.Lag)
		if err != nil {
			return nil, nil, err
		}
		sc["spearman_lag"] += rho / float64(len(targets))
		sc["distractor_share"] += distractorShare(s, imp[k][s.Lags:]) / float64(len(targets))
		addNormalised(lag, imp[k][:s.Lags], len(targets))
		rings := make([][]int, s.DistanceBins())
		for c := 0; c < s.Channels; c++ {
			for l := 0; l < s.Lags; l++ {
				for r := 0; r < s.H; r++ {
					for col := 0; col < s.W; col++ {
						b := int(math.Round(math.Hypot(float64(r-p.R), float64(col-p.C))))
						if b < len(rings) {
							rings[b] = append(rings[b], s.Index(c, l, r, col))
						}
					}
				}
			}
		}
		var used [][]int
		var bins []int
		for b, g := range rings {
			if len(g) > 0 {
				used, bins = append(used, g), append(bins, b)
			}
		}
		ri, err := md.Permutation(x, analysis.PermutationOptions{Targets: []int{outIdx[k]}, Groups: used, Y: y, Seed: seed})
		if err != nil {
			return nil, nil, err
		}
		prof := make([]float64, s.DistanceBins())
		for b := range prof {
			prof[b] = nan
		}
		for j, b := range bins {
			prof[b] = ri[0][j] / float64(len(used[j]))
		}
		rho, err = analysis.Spearman(prof, tr.Distance)
		if err != nil {
			return nil, nil, err
		}
		sc["spearman_distance"] += rho / float64(len(targets))
		addNormalised(dist, prof, len(targets))
	}
	return sc, map[string][]float64{"lag": lag, "distance": dist}, nil
}

// randomisationScores compares a method's maps on the trained and on the
// randomised model: Spearman rank correlation of the element maps and of
// the location profiles (mean over targets), and the randomised maps'
// own agreement with the truth on lags and elements, and their profiles
// (stored under the method's name and randomSuffix).
func randomisationScores(s lagfield.Spec, targets []lagfield.Point, trained, random [][]float64) (map[string]float64, map[string][]float64, error) {
	out := map[string]float64{}
	for k, p := range targets {
		rho, err := analysis.Spearman(trained[k], random[k])
		if err != nil {
			return nil, nil, err
		}
		out["rank_corr_element"] += rho / float64(len(targets))
		ta, ra := onSupport(trained[k], random[k], s.Truth(p))
		rho, err = analysis.Spearman(ta, ra)
		if err != nil {
			return nil, nil, err
		}
		out["rank_corr_support"] += rho / float64(len(targets))
		a, _ := s.Aggregate(trained[k], p)
		b, _ := s.Aggregate(random[k], p)
		rho, _ = analysis.Spearman(a.Location, b.Location)
		out["rank_corr_location"] += rho / float64(len(targets))
	}
	sc, pr, err := scoreMaps(s, targets, random)
	if err != nil {
		return nil, nil, err
	}
	out["random_spearman_lag"] = sc["spearman_lag"]
	out["random_spearman_element"] = sc["spearman_element"]
	out["random_spearman_support"] = sc["spearman_support"]
	return out, pr, nil
}

// igCompleteness runs integrated gradients (zero baseline) at each step
// count of featimpIGSteps on the check examples (the ones among x with
// the largest |f(x) - f(0)|, so that the relative gap is meaningful) for
// output element o, and returns the largest |sum of attributions - (f(x)
// - f(0))| / |f(x) - f(0)| per step count and the fewest steps from which
// every count tried stays within 1% (-1: none; the midpoint rule on a ReLU
// network does not converge monotonically).
func igCompleteness(md *analysis.Model, x *importer.Tensor, o, nCheck int) (map[string]any, error) {
	d := md.Dim()
	y, err := md.Predict(x)
	if err != nil {
		return nil, err
	}
	y0, err := md.Predict(&importer.Tensor{DType: importer.Float32, Shape: append([]int{1}, x.Shape[1:]...), F: make([]float32, d)})
	if err != nil {
		return nil, err
	}
	per := len(y.F) / x.Shape[0]
	idx := make([]int, x.Shape[0])
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		return math.Abs(float64(y.F[idx[a]*per+o]-y0.F[o])) > math.Abs(float64(y.F[idx[b]*per+o]-y0.F[o]))
	})
	idx = idx[:min(nCheck, len(idx))]
	slices.Sort(idx)
	sel := &importer.Tensor{DType: importer.Float32, Shape: append([]int{len(idx)}, x.Shape[1:]...)}
	for _, i := range idx {
		sel.F = append(sel.F, x.F[i*d:(i+1)*d]...)
	}
	gaps := map[string]float64{}
	need := -1
	for _, steps := range featimpIGSteps {
		a, err := md.Attribute(sel, analysis.AttrOptions{Method: "ig", Target: o, Steps: steps})
		if err != nil {
			return nil, err
		}
		sums, diffs, err := md.Completeness(sel, a, nil, o)
		if err != nil {
			return nil, err
		}
		var worst float64
		for i := range sums {
			worst = math.Max(worst, math.Abs(sums[i]-diffs[i])/math.Abs(diffs[i]))
		}
		if !math.IsInf(worst, 0) && !math.IsNaN(worst) {
			gaps[fmt.Sprint(steps)] = worst
		}
		switch {
		case !(worst < 0.01):
			need = -1
		case need < 0:
			need = steps
		}
	}
	return map[string]any{"ig_completeness": gaps, "ig_steps_within_1pct": need}, nil
}
