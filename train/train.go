package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/errkind"
	"github.com/hierlearn/hierlearn/internal/numeric"
	"github.com/hierlearn/hierlearn/internal/version"
)

// ErrInterrupted is returned (wrapped) by Run when its context is
// cancelled; the run's state is then in the checkpoint, and Run with
// Options.Resume continues it.
var ErrInterrupted = errors.New("training interrupted")

// File names inside a run directory.
const (
	ConfigFile     = "config.json"
	MetricsFile    = "metrics.json"
	CheckpointFile = "checkpoint.json"
)

// Options are the parts of a run that do not change its result.
type Options struct {
	OutDir   string                // run directory; "" writes nothing (no checkpoint either)
	Resume   bool                  // continue from OutDir/checkpoint.json
	Progress func(done, total int) // called after every step, may be nil
}

// StageMetrics are measured on the test set at the end of a stage.
type StageMetrics struct {
	Layer        int           `json:"layer"` // the top layer switched on
	Steps        int           `json:"steps"`
	TrainLoss    float64       `json:"train_loss"` // mean over the stage's last 100 steps
	TestRelMSE   *float64      `json:"test_rel_mse,omitempty"`
	TestError    *float64      `json:"test_error,omitempty"`
	FeatureError FeatureErrors `json:"feature_error"`
	// Plateau recipe only: the best validation error (the model kept),
	// the cycles run, the validation error of each candidate after its
	// first cycle and the index of the one chosen.
	ValError      *float64  `json:"val_error,omitempty"`
	Cycles        int       `json:"cycles,omitempty"`
	CandidateVals []float64 `json:"candidate_val_errors,omitempty"`
	Chosen        int       `json:"chosen_candidate,omitempty"`
	// KeptPrevious: no model trained in the stage beat the model of the
	// stage before (its new output terms switched off) on validation, so
	// the stage returned that model.
	KeptPrevious bool `json:"kept_previous,omitempty"`
}

// Metrics is what metrics.json holds.
type Metrics struct {
	Learner        string         `json:"learner"`
	Mode           string         `json:"mode"`
	Task           string         `json:"task"`
	DType          string         `json:"dtype"`
	D              int            `json:"d"`
	Depth          int            `json:"depth"`
	NTrain         int            `json:"n_train"`
	NTest          int            `json:"n_test"`
	TestRelMSE     *float64       `json:"test_rel_mse,omitempty"`
	TestError      *float64       `json:"test_error,omitempty"`
	FeatureError   FeatureErrors  `json:"feature_error"` // of the final model
	TrainSeconds   float64        `json:"train_seconds"`
	Steps          int            `json:"steps"`
	StepsPerSecond float64        `json:"steps_per_second"`
	Stages         []StageMetrics `json:"stages"`
	Recipe         string         `json:"recipe"`
	NVal           int            `json:"n_val,omitempty"`    // plateau: validation points held out of the training set
	Cycle          int            `json:"cycle,omitempty"`    // plateau settings, as in Config
	Patience       int            `json:"patience,omitempty"` //
	StepCap        int            `json:"step_cap,omitempty"` //
	Restarts       int            `json:"restarts,omitempty"` //
	Clip           float64        `json:"clip"`               // gradient clip norm
	Seed           uint64         `json:"seed"`
	Version        string         `json:"version"`
	BLAS           string         `json:"blas"`
	TrainFile      string         `json:"train_file,omitempty"`
	TestFile       string         `json:"test_file,omitempty"`
}

// Result is a finished run.
type Result struct {
	Metrics Metrics
	Model   Model
}

// runConfig is what config.json holds.
type runConfig struct {
	Config
	TrainFile string `json:"train_file,omitempty"`
	TestFile  string `json:"test_file,omitempty"`
	Version   string `json:"version"`
	BLAS      string `json:"blas"`
}

// checkpoint is the full state of an interrupted run.
type checkpoint struct {
	Version      string          `json:"version"`
	Config       Config          `json:"config"`
	Depth        int             `json:"depth"`
	Stage        int             `json:"stage"` // next stage to run
	Step         int             `json:"step"`  // next step within it
	Model        json.RawMessage `json:"model"`
	NormInit     []bool          `json:"norm_init,omitempty"`
	AdamM        []float64       `json:"adam_m"`
	AdamV        []float64       `json:"adam_v"`
	AdamT        int             `json:"adam_t"`
	RNG          []byte          `json:"rng"`
	LossTail     []float64       `json:"loss_tail"`
	Stages       []StageMetrics  `json:"stages"`
	TrainSeconds float64         `json:"train_seconds"`
}

// Run trains cfg's learner on tr, measures it on te after every stage and,
// when opt.OutDir is set, writes config.json, model.json and metrics.json
// there. A cancelled ctx saves a checkpoint and returns ErrInterrupted.
func Run(ctx context.Context, cfg Config, tr, te *concept.Dataset, opt Options) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var err error
	for _, d := range []**concept.Dataset{&tr, &te} {
		if *d, err = forTraining(*d); err != nil {
			return nil, errkind.Mark(ErrData, err)
		}
		if err := validate(*d); err != nil {
			return nil, errkind.Mark(ErrData, err)
		}
	}
	if err := checkPair(tr, te); err != nil {
		return nil, errkind.Mark(ErrData, err)
	}
	if cfg.Depth == 0 {
		if len(te.HiddenWidths) == 0 {
			return nil, fmt.Errorf("test set %s has no hidden features (s2, s3, ...): give the depth explicitly", te.Path)
		}
		cfg.Depth = len(te.HiddenWidths) + 1
	}
	if opt.OutDir != "" {
		if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
			return nil, fmt.Errorf("run directory: %w", err)
		}
		rc := runConfig{Config: cfg, TrainFile: tr.Path, TestFile: te.Path, Version: version.Full(), BLAS: numeric.BLASName()}
		if err := writeJSON(filepath.Join(opt.OutDir, ConfigFile), rc); err != nil {
			return nil, err
		}
	}
	if cfg.DType == "float64" {
		return run[float64](ctx, cfg, tr, te, opt)
	}
	return run[float32](ctx, cfg, tr, te, opt)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return atomicfile.WriteBytes(path, append(b, '\n'))
}

// Streams of the two random generators (PCG seeded with (seed, stream)).
const (
	initStream  = 0x1417
	batchStream = 0xba7c
)

func newLearner[T Float](cfg Config, d int) (learner[T], error) {
	rng := rand.New(rand.NewPCG(cfg.Seed, initStream))
	if cfg.Learner == LearnerMLP {
		sizes := append(append([]int{d}, cfg.Hidden...), 1)
		return newMLPLearner[T](sizes, cfg.Batch, rng), nil
	}
	return hnetWithEngine(newHNetLearner[T](NewArch(d, cfg.Depth, cfg.Width), cfg.Batch, rng), cfg.Engine)
}

// hnetWithEngine trains h with the named engine's gradients, or natively.
func hnetWithEngine[T Float](h *hnetLearner[T], engine string) (learner[T], error) {
	if engine == "" || engine == EngineNative {
		return h, nil
	}
	return newEngineLearner(h, engine)
}

// learnerFrom rebuilds a learner from a checkpoint's model.
func learnerFrom[T Float](cfg Config, raw []byte) (learner[T], error) {
	m, err := decodeModel(raw)
	if err != nil {
		return nil, err
	}
	switch m := m.(type) {
	case *HNet:
		e, err := hnetEngine[T](m)
		if err != nil {
			return nil, err
		}
		return hnetWithEngine(&hnetLearner[T]{m: e, b: newBuffers(e, cfg.Batch), y: make([]T, cfg.Batch)}, cfg.Engine)
	case *MLP:
		e, err := mlpEngine[T](m)
		if err != nil {
			return nil, err
		}
		return &mlpLearner[T]{m: e, b: newMLPBuffers(e, cfg.Batch), y: make([]T, cfg.Batch)}, nil
	}
	return nil, fmt.Errorf("unexpected model %T", m)
}

const lossTail = 100

func run[T Float](ctx context.Context, cfg Config, tr, te *concept.Dataset, opt Options) (*Result, error) {
	stages := cfg.plan(cfg.Depth)
	total := 0
	for _, s := range stages {
		total += s.Steps
	}
	// The plateau recipe holds out the last ValFraction of the training
	// rows (the samples are iid) for validation.
	nTr, val := tr.N, (*concept.Dataset)(nil)
	if cfg.Recipe == RecipePlateau {
		nVal := max(1, int(math.Round(cfg.ValFraction*float64(tr.N))))
		nTr = tr.N - nVal
		if nTr < 1 {
			return nil, fmt.Errorf("training set of %d points leaves none after %d validation points", tr.N, nVal)
		}
		val = &concept.Dataset{Path: tr.Path + " (validation rows)", Task: tr.Task, N: nVal, D: tr.D, X: tr.X[nTr*tr.D:], Y: tr.Y[nTr:]}
	}
	x, y := convert[T](nil, tr.X[:nTr*tr.D]), convert[T](nil, tr.Y[:nTr])
	pcg := rand.NewPCG(cfg.Seed, batchStream)
	rng := rand.New(pcg)
	var ln learner[T]
	var opt2 *adam[T]
	st := checkpoint{}
	if opt.Resume {
		if opt.OutDir == "" {
			return nil, errors.New("resume needs a run directory")
		}
		path := filepath.Join(opt.OutDir, CheckpointFile)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, fmt.Errorf("resume %s: %w", path, err)
		}
		if !reflect.DeepEqual(st.Config, cfg) {
			return nil, fmt.Errorf("resume %s: checkpoint was made with config %+v, not %+v", path, st.Config, cfg)
		}
		if ln, err = learnerFrom[T](cfg, st.Model); err != nil {
			return nil, fmt.Errorf("resume %s: %w", path, err)
		}
		ln.setNormInit(st.NormInit)
		np := len(ln.params())
		if len(st.AdamM) != np || len(st.AdamV) != np {
			return nil, fmt.Errorf("resume %s: optimiser state has %d/%d values for %d parameters", path, len(st.AdamM), len(st.AdamV), np)
		}
		opt2 = &adam[T]{m: convert[T](nil, st.AdamM), v: convert[T](nil, st.AdamV), t: st.AdamT}
		if err := pcg.UnmarshalBinary(st.RNG); err != nil {
			return nil, fmt.Errorf("resume %s: random stream: %w", path, err)
		}
	} else {
		var err error
		if ln, err = newLearner[T](cfg, tr.D); err != nil {
			return nil, err
		}
		opt2 = newAdam[T](len(ln.params()))
		st = checkpoint{Config: cfg, Depth: cfg.Depth}
	}
	done := 0
	for i := 0; i < st.Stage; i++ {
		done += stages[i].Steps
	}
	done += st.Step
	idx := make([]int, cfg.Batch)
	pl := &plateau[T]{cfg: cfg, ln: ln, o: opt2, x: x, y: y, n: nTr, val: val, rng: rng, idx: idx, lossTail: &st.LossTail,
		progress: func() {
			done++
			if opt.Progress != nil {
				opt.Progress(done, total)
			}
		}}
	for st.Stage < len(stages) {
		sg := stages[st.Stage]
		if st.Step == 0 {
			opt2.reset()
			st.LossTail = st.LossTail[:0]
		}
		if val != nil {
			// A plateau stage is checkpointed at its start: an
			// interrupted stage is rerun from there, to the same bytes.
			startRNG, err := pcg.MarshalBinary()
			if err != nil {
				return nil, err
			}
			var start snapshot[T]
			ln.save(&start)
			prev := 1
			if st.Stage > 0 {
				prev = stages[st.Stage-1].Top
			}
			t0 := time.Now()
			r, err := pl.stage(ctx, st.Stage, sg, prev, tr.Task)
			st.TrainSeconds += time.Since(t0).Seconds()
			if errors.Is(err, ErrInterrupted) {
				ln.load(&start)
				if err := pcg.UnmarshalBinary(startRNG); err != nil {
					return nil, err
				}
				return nil, interrupt(&st, ln, opt2, pcg, cfg, opt)
			}
			if err != nil {
				return nil, err
			}
			sm, err := measure(ln, sg, te)
			if err != nil {
				return nil, err
			}
			sm.Steps, sm.Cycles, sm.CandidateVals, sm.Chosen, sm.KeptPrevious = r.steps, r.cycles, r.candidates, r.chosen, r.kept
			sm.ValError = &r.val
			for _, l := range st.LossTail {
				sm.TrainLoss += l / float64(len(st.LossTail))
			}
			st.Stages = append(st.Stages, sm)
			st.Stage++
			continue
		}
		ranges := ln.ranges(sg)
		t0 := time.Now()
		for st.Step < sg.Steps {
			if ctx.Err() != nil {
				st.TrainSeconds += time.Since(t0).Seconds()
				return nil, interrupt(&st, ln, opt2, pcg, cfg, opt)
			}
			for i := range idx {
				idx[i] = rng.IntN(nTr)
			}
			loss := ln.lossGrad(x, y, idx, sg, tr.Task)
			if g, ok := ln.(*engineLearner[T]); ok && g.err != nil {
				return nil, fmt.Errorf("stage %d step %d: %w", sg.Top, st.Step, g.err)
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return nil, fmt.Errorf("stage %d step %d: loss is %v", sg.Top, st.Step, loss)
			}
			clip(ln.grad(), ranges, cfg.ClipNorm())
			opt2.step(ln.params(), ln.grad(), ranges, oneCycle(cfg.LR, st.Step, sg.Steps))
			if len(st.LossTail) == lossTail {
				st.LossTail = append(st.LossTail[:0], st.LossTail[1:]...)
			}
			st.LossTail = append(st.LossTail, loss)
			st.Step++
			done++
			if opt.Progress != nil {
				opt.Progress(done, total)
			}
		}
		st.TrainSeconds += time.Since(t0).Seconds()
		sm, err := measure(ln, sg, te)
		if err != nil {
			return nil, err
		}
		sm.Steps = sg.Steps
		for _, l := range st.LossTail {
			sm.TrainLoss += l / float64(len(st.LossTail))
		}
		st.Stages = append(st.Stages, sm)
		st.Stage++
		st.Step = 0
	}
	last := st.Stages[len(st.Stages)-1]
	if val != nil {
		total = 0
		for _, s := range st.Stages {
			total += s.Steps
		}
	}
	m := Metrics{Learner: cfg.Learner, Mode: cfg.Mode, Task: tr.Task, DType: cfg.DType, D: tr.D, Depth: cfg.Depth,
		NTrain: tr.N, NTest: te.N, TestRelMSE: last.TestRelMSE, TestError: last.TestError, FeatureError: last.FeatureError,
		TrainSeconds: st.TrainSeconds, Steps: total, StepsPerSecond: float64(total) / st.TrainSeconds,
		Stages: st.Stages, Seed: cfg.Seed, Version: version.Full(), BLAS: numeric.BLASName(),
		TrainFile: tr.Path, TestFile: te.Path, Recipe: RecipeFixed, Clip: cfg.ClipNorm()}
	if val != nil {
		m.NTrain, m.NVal, m.Recipe = nTr, val.N, RecipePlateau
		m.Cycle, m.Patience, m.StepCap, m.Restarts = cfg.Cycle, cfg.Patience, cfg.StepCap, cfg.Restarts
	}
	res := &Result{Metrics: m, Model: ln.model(cfg.DType)}
	if opt.OutDir != "" {
		if err := SaveModel(opt.OutDir, res.Model); err != nil {
			return nil, err
		}
		if err := writeJSON(filepath.Join(opt.OutDir, MetricsFile), m); err != nil {
			return nil, err
		}
		if err := os.Remove(filepath.Join(opt.OutDir, CheckpointFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("remove checkpoint: %w", err)
		}
	}
	return res, nil
}

// interrupt saves the checkpoint and returns the error Run reports.
func interrupt[T Float](st *checkpoint, ln learner[T], o *adam[T], pcg *rand.PCG, cfg Config, opt Options) error {
	if opt.OutDir == "" {
		return ErrInterrupted
	}
	var err error
	st.Version = version.Full()
	if st.Model, err = json.Marshal(ln.model(cfg.DType)); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	st.NormInit = ln.normInit()
	st.AdamM, st.AdamV, st.AdamT = f64(o.m), f64(o.v), o.t
	if st.RNG, err = pcg.MarshalBinary(); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	path := filepath.Join(opt.OutDir, CheckpointFile)
	if err := writeJSON(path, st); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return fmt.Errorf("%w at stage %d step %d; checkpoint %s (continue with --resume)", ErrInterrupted, cfg.plan(cfg.Depth)[st.Stage].Top, st.Step, path)
}

// measure evaluates the learner on the test set after stage sg.
func measure[T Float](ln learner[T], sg stage, te *concept.Dataset) (StageMetrics, error) {
	pred, feats := ln.evaluate(te.X, te.N, sg)
	sm := StageMetrics{Layer: sg.Top, FeatureError: FeatureErrors{}}
	if te.Task == concept.TaskClassification {
		e := ZeroOneError(pred, te.Y)
		sm.TestError = &e
	} else {
		e := RelMSE(pred, te.Y)
		sm.TestRelMSE = &e
	}
	for l := 2; l < len(feats) && l <= sg.Top; l++ {
		if l-2 >= len(te.Hidden) || feats[l] == nil {
			continue
		}
		k := len(feats[l]) / te.N
		e, err := FeatureError(feats[l], k, te.Hidden[l-2], te.HiddenWidths[l-2])
		if err != nil {
			return sm, fmt.Errorf("layer %d: %w", l, err)
		}
		sm.FeatureError[l] = e
	}
	return sm, nil
}
