package compare

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/numeric"
	"github.com/hierlearn/hierlearn/internal/version"
	"github.com/hierlearn/hierlearn/train"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// DefaultRunners wires in the learners of this module: HNet and the MLP
// from train, every kernel from train/kernel, the deep ReLU networks of
// train/deepnet.
func DefaultRunners() map[string]Runner {
	return map[string]Runner{
		"hnet":      RunnerFunc(runTrain),
		"mlp":       RunnerFunc(runTrain),
		"kernel":    RunnerFunc(runKernel),
		"torch":     RunnerFunc(runTorch),
		"torch-ck":  RunnerFunc(runTorch),
		"torch-ntk": RunnerFunc(runTorch),
		"deepnet":   RunnerFunc(runDeepnet),
		"emulator":  RunnerFunc(runEmulator),
		"robust":    RunnerFunc(runRobust),
		"staged":    RunnerFunc(runStaged),
	}
}

// toMap turns a metrics struct into the generic map a Result holds.
func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	err = json.Unmarshal(b, &m)
	return m, err
}

// trainConfig builds the train.Config of an "hnet:MODE" or "mlp" cell.
// Options understood: steps_per_stage, width, batch, lr, dtype, hidden,
// and recipe ("fixed", the default, or "plateau" with train.PlateauConfig's
// settings, which cycle, patience, step_cap, restarts and val_fraction
// override).
func trainConfig(c Cell) (train.Config, error) {
	cfg := train.DefaultConfig()
	if r, _ := c.Options["recipe"].(string); r == train.RecipePlateau {
		cfg = train.PlateauConfig()
	}
	cfg.Seed = c.Seed
	fam, mode, _ := strings.Cut(c.Learner, ":")
	switch fam {
	case "hnet":
		cfg.Learner = train.LearnerHNet
		if mode == "" {
			mode = train.ModeProgressive
		}
		cfg.Mode = mode
	case "mlp":
		cfg.Learner = train.LearnerMLP
		cfg.Mode = train.ModeE2E
	default:
		return cfg, fmt.Errorf("learner %q is not a train learner", c.Learner)
	}
	var o struct {
		StepsPerStage int     `json:"steps_per_stage"`
		Width         int     `json:"width"`
		Batch         int     `json:"batch"`
		LR            float64 `json:"lr"`
		DType         string  `json:"dtype"`
		Hidden        []int   `json:"hidden"`
		Recipe        string  `json:"recipe"`
		Cycle         int     `json:"cycle"`
		Patience      int     `json:"patience"`
		StepCap       int     `json:"step_cap"`
		Restarts      int     `json:"restarts"`
		ValFraction   float64 `json:"val_fraction"`
	}
	if err := c.DecodeOptions(&o); err != nil {
		return cfg, err
	}
	if o.StepsPerStage > 0 {
		cfg.StepsPerStage = o.StepsPerStage
	}
	if o.Width > 0 {
		cfg.Width = o.Width
	}
	if o.Batch > 0 {
		cfg.Batch = o.Batch
	}
	if o.LR > 0 {
		cfg.LR = o.LR
	}
	if o.DType != "" {
		cfg.DType = o.DType
	}
	if len(o.Hidden) > 0 {
		cfg.Hidden = o.Hidden
	}
	if o.Recipe != "" {
		cfg.Recipe = o.Recipe
	}
	for _, v := range []struct {
		dst *int
		src int
	}{{&cfg.Cycle, o.Cycle}, {&cfg.Patience, o.Patience}, {&cfg.StepCap, o.StepCap}, {&cfg.Restarts, o.Restarts}} {
		if v.src > 0 {
			*v.dst = v.src
		}
	}
	if o.ValFraction > 0 {
		cfg.ValFraction = o.ValFraction
	}
	return cfg, cfg.Validate()
}

func runTrain(ctx context.Context, c Cell, d Data) (map[string]any, error) {
	cfg, err := trainConfig(c)
	if err != nil {
		return nil, err
	}
	res, err := train.Run(ctx, cfg, d.Train, d.Test, train.Options{OutDir: d.Dir})
	if err != nil {
		return nil, err
	}
	m, err := toMap(res.Metrics)
	if err != nil {
		return nil, err
	}
	if check, _ := c.Options["check_onnx"].(bool); check {
		if err := checkExported(d.Dir, d.Test, m); err != nil {
			return nil, fmt.Errorf("ONNX check of the trained model: %w", err)
		}
	}
	return m, nil
}

// runKernel fits "kernel:SPEC" (SPEC as `hierlearn kernel --kernel`) with
// the ridge chosen on a validation split. Options understood: method
// ("exact", "cg", "nystrom:M"), ridge (a fixed relative ridge).
func runKernel(ctx context.Context, c Cell, d Data) (map[string]any, error) {
	spec, ok := strings.CutPrefix(c.Learner, "kernel:")
	if !ok || spec == "" {
		return nil, fmt.Errorf("learner %q: want kernel:SPEC, e.g. kernel:ntk:2", c.Learner)
	}
	k, err := kernel.Parse(spec, c.Seed)
	if err != nil {
		return nil, err
	}
	opt := kernel.Options{Seed: c.Seed}
	if m, ok := c.Options["method"].(string); ok {
		if err := opt.ParseMethod(m); err != nil {
			return nil, err
		}
	}
	if r, ok := c.Options["ridge"].(float64); ok {
		opt.Ridge = r
	}
	res, err := kernel.Fit(k, d.Train, opt)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	pred, err := res.Predictor.Predict(kernel.Inputs(d.Test))
	if err != nil {
		return nil, err
	}
	score, err := kernel.Score(pred, d.Test)
	if err != nil {
		return nil, err
	}
	m, err := toMap(score)
	if err != nil {
		return nil, err
	}
	if d.Train.Task != concept.TaskRegression {
		delete(m, "test_rel_mse") // rank classification by its 0-1 error
	}
	m["kernel"] = k.String()
	m["kernel_params"] = kernel.KernelParams(k, d.Train.D)
	m["n_train"] = d.Train.N
	m["n_test"] = d.Test.N
	m["ridge"] = res.Ridge
	m["method"] = res.Method
	m["solver"] = res.Solver
	m["fit_seconds"] = res.FitSeconds
	m["predict_seconds"] = time.Since(t0).Seconds()
	m["seed"] = c.Seed
	m["blas"] = numeric.BLASName()
	m["version"] = version.Full()
	return m, nil
}
