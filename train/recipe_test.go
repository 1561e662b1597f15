package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// plateauSmall is a plateau recipe small enough for unit tests.
func plateauSmall(mode string) Config {
	c := PlateauConfig()
	c.Mode, c.Batch, c.Width, c.DType = mode, 64, 2, "float64"
	// A high peak makes some cycles end worse than the best so far, so
	// that keeping the best model is exercised (at 3e-3 every cycle
	// improves and the last model is the best).
	c.LR = 0.03
	c.Cycle, c.Patience, c.StepCap, c.Restarts, c.ValFraction = 20, 1, 200, 3, 0.2
	return c
}

func TestCycleSteps(t *testing.T) {
	for j, want := range []int{100, 200, 400, 800} {
		if got := cycleSteps(100, j); got != want {
			t.Errorf("cycleSteps(100, %d) = %d, want %d", j, got, want)
		}
	}
}

func TestPlateauRecipeRecordsAndKeepsBestOnValidation(t *testing.T) {
	tr, te := toySplit(t, 500, 200, 6, 3, 2, 7)
	c := plateauSmall(ModeProgressive)
	res, err := Run(context.Background(), c, tr, te, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Metrics
	if m.Recipe != RecipePlateau || m.NVal != 100 || m.NTrain != 400 || m.Restarts != 3 || m.Patience != 1 || m.StepCap != 200 || m.Cycle != 20 {
		t.Errorf("recipe not recorded: %+v", m)
	}
	total := 0
	for _, s := range m.Stages {
		total += s.Steps
		if len(s.CandidateVals) != c.Restarts {
			t.Errorf("stage %d: %d candidates, want %d", s.Layer, len(s.CandidateVals), c.Restarts)
		}
		if s.Steps > c.StepCap || s.Steps < c.Restarts*c.Cycle {
			t.Errorf("stage %d: %d steps, want %d..%d", s.Layer, s.Steps, c.Restarts*c.Cycle, c.StepCap)
		}
		if s.ValError == nil || *s.ValError > s.CandidateVals[s.Chosen] {
			t.Errorf("stage %d: kept validation error %v above the chosen candidate's %v", s.Layer, s.ValError, s.CandidateVals[s.Chosen])
		}
		for i, v := range s.CandidateVals {
			if v < s.CandidateVals[s.Chosen] {
				t.Errorf("stage %d: candidate %d (%v) beats the chosen %d (%v)", s.Layer, i, v, s.Chosen, s.CandidateVals[s.Chosen])
			}
		}
	}
	if m.Steps != total {
		t.Errorf("steps %d, stages sum to %d", m.Steps, total)
	}
	// The model kept is the one whose validation error was recorded.
	n := len(tr.Y) - m.NVal
	pred, err := res.Model.Predict(tr.X[n*tr.D:])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := RelMSE(pred, tr.Y[n:]), *m.Stages[len(m.Stages)-1].ValError; !near(got, want, 1e-9) {
		t.Errorf("validation error of the final model %v, recorded %v", got, want)
	}
	// The test set never chooses: other test points, the same model.
	_, te2 := toySplit(t, 10, 300, 6, 3, 2, 7)
	res2, err := Run(context.Background(), c, tr, te2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !equal(res.Model.(*HNet).A, res2.Model.(*HNet).A) || !equal(res.Model.(*HNet).Layers[0].K[0], res2.Model.(*HNet).Layers[0].K[0]) {
		t.Error("another test set changed the trained model")
	}
}

func near(a, b, tol float64) bool { return a-b <= tol*(1+b) && b-a <= tol*(1+b) }

func TestPlateauResumeGivesIdenticalModel(t *testing.T) {
	tr, te := toySplit(t, 400, 200, 6, 3, 2, 5)
	for _, stopAt := range []int{30, 150} {
		c := plateauSmall(ModeProgressive)
		straight := t.TempDir()
		if _, err := Run(context.Background(), c, tr, te, Options{OutDir: straight}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		_, err := Run(ctx, c, tr, te, Options{OutDir: dir, Progress: func(done, _ int) {
			if done == stopAt {
				cancel()
			}
		}})
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("stop at %d: err = %v", stopAt, err)
		}
		if _, err := Run(context.Background(), c, tr, te, Options{OutDir: dir, Resume: true}); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(filepath.Join(straight, ModelFile))
		b, _ := os.ReadFile(filepath.Join(dir, ModelFile))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("stop at %d: resumed model differs from the uninterrupted one", stopAt)
		}
	}
}

func TestPlateauConfigErrors(t *testing.T) {
	for _, bad := range []func(*Config){
		func(c *Config) { c.Recipe = "forever" },
		func(c *Config) { c.Cycle = 0 },
		func(c *Config) { c.Patience = 0 },
		func(c *Config) { c.Restarts = 0 },
		func(c *Config) { c.StepCap = c.Cycle*c.Restarts - 1 },
		func(c *Config) { c.ValFraction = 0 },
		func(c *Config) { c.ValFraction = 0.5 },
		func(c *Config) { c.Clip = -1 },
		func(c *Config) { c.Clip = math.Inf(1) },
		func(c *Config) { c.Clip = math.NaN() },
	} {
		c := plateauSmall(ModeProgressive)
		bad(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}

// TestClipIsRecordedAndUsed: the plateau recipe clips to PlateauClip and the
// fixed one to DefaultClip, metrics.json records the norm, and the norm
// reaches the optimiser (another norm, another model; an unset Clip is the
// default).
func TestClipIsRecordedAndUsed(t *testing.T) {
	tr, te := toySplit(t, 300, 100, 6, 3, 2, 3)
	if c := PlateauConfig(); c.Clip != PlateauClip || DefaultConfig().ClipNorm() != DefaultClip {
		t.Fatalf("default clip norms %v (plateau) and %v (fixed)", c.Clip, DefaultConfig().ClipNorm())
	}
	run := func(c Config) *Result {
		t.Helper()
		res, err := Run(context.Background(), c, tr, te, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	p := plateauSmall(ModeProgressive)
	if m := run(p).Metrics; m.Clip != PlateauClip {
		t.Errorf("plateau run recorded clip %v, want %v", m.Clip, PlateauClip)
	}
	f := DefaultConfig()
	f.Batch, f.Width, f.DType, f.StepsPerStage, f.LR = 64, 2, "float64", 30, 0.03
	base := run(f)
	if base.Metrics.Clip != DefaultClip {
		t.Errorf("fixed run recorded clip %v, want %v", base.Metrics.Clip, DefaultClip)
	}
	f.Clip = DefaultClip
	if same := run(f); !equal(same.Model.(*HNet).A, base.Model.(*HNet).A) {
		t.Error("Clip = DefaultClip trained another model than an unset Clip")
	}
	f.Clip = 1e-3
	if other := run(f); equal(other.Model.(*HNet).A, base.Model.(*HNet).A) {
		t.Error("a clip norm of 1e-3 trained the same model as 1")
	}
}

func TestRedrawTouchesOnlyNewLayers(t *testing.T) {
	c := plateauSmall(ModeProgressive)
	c.Depth = 4
	l, err := newLearner[float64](c, 5)
	if err != nil {
		t.Fatal(err)
	}
	ln := l.(*hnetLearner[float64])
	m := ln.m
	m.inited[2], m.inited[3] = true, true
	m.mean[3][0] = 7
	before := append([]float64(nil), m.params...)
	ln.redraw(stage{Top: 3, Lo: 2}, 2, rand.New(rand.NewPCG(9, 9)))
	if !equal(m.k(2), before[m.kOff[2]:m.kOff[3]]) || !equal(m.k(4), before[m.kOff[4]:m.kOff[5]]) {
		t.Error("redraw of layer 3 changed K_2 or K_4")
	}
	if equal(m.k(3), before[m.kOff[3]:m.kOff[4]]) {
		t.Error("redraw left K_3 as it was")
	}
	if !m.inited[2] || m.inited[3] || m.mean[3][0] != 0 {
		t.Errorf("statistics after redraw: inited %v, mean_3[0] %v", m.inited, m.mean[3][0])
	}
	var sn snapshot[float64]
	ln.save(&sn)
	m.params[0], m.mean[2][0] = 42, 42
	ln.load(&sn)
	if m.params[0] == 42 || m.mean[2][0] == 42 {
		t.Error("load did not restore the parameters and statistics")
	}
}
