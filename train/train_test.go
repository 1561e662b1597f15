package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/npy"
)

func smallConfig(mode string) Config {
	c := DefaultConfig()
	c.Mode = mode
	c.StepsPerStage = 60
	c.Batch = 64
	return c
}

func TestProgressiveBeatsLayerwiseOnToyConcept(t *testing.T) {
	// A small version of the experiment: enough steps that the ranking is
	// far from chance (about 100x apart here; 5x is required). The
	// reference configuration trains in well under a second a mode.
	tr, te := toySplit(t, 10000, 5000, 20, 3, 3, 1)
	got := map[string]Metrics{}
	for _, mode := range []string{ModeProgressive, ModeLayerwise} {
		c := DefaultConfig()
		c.Mode = mode
		res, err := Run(context.Background(), c, tr, te, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got[mode] = res.Metrics
		t.Logf("%s: rel MSE %.3g, feature errors %v", mode, *res.Metrics.TestRelMSE, res.Metrics.FeatureError)
	}
	p, l := got[ModeProgressive], got[ModeLayerwise]
	if *p.TestRelMSE*5 > *l.TestRelMSE {
		t.Errorf("progressive %.3g not 5x better than layerwise %.3g", *p.TestRelMSE, *l.TestRelMSE)
	}
	if p.FeatureError[2]*4 > l.FeatureError[2] {
		t.Errorf("layer-2 feature error: progressive %.3g, layerwise %.3g", p.FeatureError[2], l.FeatureError[2])
	}
	// Layerwise never touches layer 2 after stage 2: e_2 must not move.
	if l.Stages[0].FeatureError[2] != l.Stages[1].FeatureError[2] {
		t.Errorf("layerwise changed layer 2: e_2 %v then %v", l.Stages[0].FeatureError[2], l.Stages[1].FeatureError[2])
	}
}

func TestLayerwiseFreezesLowerLayersAndNormalisation(t *testing.T) {
	tr, te := toySplit(t, 500, 200, 5, 4, 2, 3)
	c := smallConfig(ModeLayerwise)
	c.Width = 2
	c.DType = "float64"
	l, err := newLearner[float64](withDepth(c, 4), tr.D)
	if err != nil {
		t.Fatal(err)
	}
	ln := l.(*hnetLearner[float64])
	m := ln.m
	x, y := tr.X, tr.Y
	idx := make([]int, c.Batch)
	for i := range idx {
		idx[i] = i
	}
	o := newAdam[float64](len(m.params))
	train := func(st stage, steps int) {
		o.reset()
		r := ln.ranges(st)
		for s := 0; s < steps; s++ {
			ln.lossGrad(x, y, idx, st, concept.TaskRegression)
			clip(ln.grad(), r, DefaultClip)
			o.step(m.params, ln.grad(), r, 1e-2)
			for i := range idx {
				idx[i] = (idx[i] + 7) % tr.N
			}
		}
	}
	train(stage{Top: 2, Lo: 2}, 20)
	train(stage{Top: 3, Lo: 3}, 20)
	k2 := append([]float64(nil), m.k(2)...)
	mean2, var2 := append([]float64(nil), m.mean[2]...), append([]float64(nil), m.vr[2]...)
	mean3 := append([]float64(nil), m.mean[3]...)
	train(stage{Top: 4, Lo: 4}, 20)
	if !equal(k2, m.k(2)) || !equal(mean2, m.mean[2]) || !equal(var2, m.vr[2]) || !equal(mean3, m.mean[3]) {
		t.Fatal("layerwise stage 4 changed K_2 or the statistics of N_2, N_3")
	}
	// The same stage in progressive mode moves them.
	train(stage{Top: 4, Lo: 2}, 5)
	if equal(k2, m.k(2)) || equal(mean2, m.mean[2]) || equal(mean3, m.mean[3]) {
		t.Fatal("progressive stage 4 left K_2 or N_2, N_3 alone")
	}
	_ = te
}

func withDepth(c Config, L int) Config { c.Depth = L; return c }

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestResumeGivesIdenticalModel(t *testing.T) {
	tr, te := toySplit(t, 400, 200, 6, 3, 2, 5)
	for _, tc := range []struct {
		learner, mode, dtype string
		stopAt               int
	}{
		{LearnerHNet, ModeProgressive, "float32", 37},
		{LearnerHNet, ModeProgressive, "float64", 60}, // at a stage boundary
		{LearnerHNet, "bfc-1", "float64", 95},
		{LearnerMLP, ModeE2E, "float32", 50},
	} {
		t.Run(tc.learner+"-"+tc.mode+"-"+tc.dtype, func(t *testing.T) {
			c := smallConfig(tc.mode)
			c.Learner, c.DType, c.Width, c.Hidden = tc.learner, tc.dtype, 2, []int{16, 8}
			straight := t.TempDir()
			if _, err := Run(context.Background(), c, tr, te, Options{OutDir: straight}); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			_, err := Run(ctx, c, tr, te, Options{OutDir: dir, Progress: func(done, total int) {
				if done == tc.stopAt {
					cancel()
				}
			}})
			if !errors.Is(err, ErrInterrupted) {
				t.Fatalf("interrupted run: err = %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, ModelFile)); err == nil {
				t.Fatal("an interrupted run wrote model.json")
			}
			if _, err := Run(context.Background(), c, tr, te, Options{OutDir: dir, Resume: true}); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(filepath.Join(straight, ModelFile))
			b, _ := os.ReadFile(filepath.Join(dir, ModelFile))
			if len(a) == 0 || !bytes.Equal(a, b) {
				t.Fatal("resumed model differs from the uninterrupted one")
			}
			if _, err := os.Stat(filepath.Join(dir, CheckpointFile)); err == nil {
				t.Error("checkpoint left behind after the run finished")
			}
		})
	}
}

func TestResumeRejectsOtherConfig(t *testing.T) {
	tr, te := toySplit(t, 200, 100, 4, 3, 2, 1)
	c := smallConfig(ModeProgressive)
	c.Width = 2
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Run(ctx, c, tr, te, Options{OutDir: dir, Progress: func(done, _ int) {
		if done == 10 {
			cancel()
		}
	}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	c.Seed = 2
	if _, err := Run(context.Background(), c, tr, te, Options{OutDir: dir, Resume: true}); err == nil || !strings.Contains(err.Error(), "checkpoint was made with") {
		t.Fatalf("err = %v", err)
	}
}

func TestSameSeedSameModelAndLoadModel(t *testing.T) {
	tr, te := toySplit(t, 300, 300, 5, 3, 2, 2)
	for _, learner := range []string{LearnerHNet, LearnerMLP} {
		c := smallConfig(ModeE2E)
		c.Learner, c.Width, c.Hidden = learner, 2, []int{8}
		r1, err := Run(context.Background(), c, tr, te, Options{OutDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		r2, err := Run(context.Background(), c, tr, te, Options{OutDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if *r1.Metrics.TestRelMSE != *r2.Metrics.TestRelMSE {
			t.Errorf("%s: same seed gave %v and %v", learner, *r1.Metrics.TestRelMSE, *r2.Metrics.TestRelMSE)
		}
		m, err := LoadModel(dir)
		if err != nil {
			t.Fatal(err)
		}
		pred, err := m.Predict(te.X)
		if err != nil {
			t.Fatal(err)
		}
		// The loaded model predicts in float64 what the float32 engine
		// measured: relative MSEs agree to float32 accuracy.
		if got, want := RelMSE(pred, te.Y), *r2.Metrics.TestRelMSE; math.Abs(got-want) > 1e-4*want+1e-6 {
			t.Errorf("%s: loaded model rel MSE %v, run measured %v", learner, got, want)
		}
		for _, f := range []string{ConfigFile, MetricsFile} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil || !bytes.Contains(b, []byte(`"version"`)) || !bytes.Contains(b, []byte(`"seed"`)) {
				t.Errorf("%s lacks version or seed (err %v)", f, err)
			}
		}
	}
}

func TestBadDataAndConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, add func(z *npy.Archive)) string {
		z := npy.NewArchive()
		add(z)
		p := filepath.Join(dir, name)
		if err := npy.WriteNPZ(p, z); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.npz", func(z *npy.Archive) {
		z.Add("x", npy.NewFloat64(make([]float64, 30), 10, 3))
		z.Add("y", npy.NewFloat64(make([]float64, 10), 10))
	})
	wide := write("wide.npz", func(z *npy.Archive) {
		z.Add("x", npy.NewFloat64(make([]float64, 40), 10, 4))
		z.Add("y", npy.NewFloat64(make([]float64, 10), 10))
	})
	for _, tc := range []struct {
		name string
		add  func(z *npy.Archive)
		want string
	}{
		{"noy.npz", func(z *npy.Archive) { z.Add("x", npy.NewFloat64(make([]float64, 6), 2, 3)) }, `no array "y"`},
		{"short.npz", func(z *npy.Archive) {
			z.Add("x", npy.NewFloat64(make([]float64, 6), 2, 3))
			z.Add("y", npy.NewFloat64(make([]float64, 3), 3))
		}, "y has shape [3], want (2,)"},
		{"x1d.npz", func(z *npy.Archive) {
			z.Add("x", npy.NewFloat64(make([]float64, 6), 6))
			z.Add("y", npy.NewFloat64(make([]float64, 6), 6))
		}, "x has shape [6], want (n, d)"},
		{"s2.npz", func(z *npy.Archive) {
			z.Add("x", npy.NewFloat64(make([]float64, 6), 2, 3))
			z.Add("y", npy.NewFloat64(make([]float64, 2), 2))
			z.Add("s2", npy.NewFloat64(make([]float64, 9), 3, 3))
		}, "s2 has shape [3 3]"},
	} {
		p := write(tc.name, tc.add)
		_, err := LoadData(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s: err = %v, want one naming the file and %q", tc.name, err, tc.want)
		}
	}
	if _, err := LoadData(filepath.Join(dir, "missing.npz")); err == nil {
		t.Error("missing file accepted")
	}
	tr, err := LoadData(good)
	if err != nil {
		t.Fatal(err)
	}
	te, err := LoadData(wide)
	if err != nil {
		t.Fatal(err)
	}
	c := smallConfig(ModeProgressive)
	c.Depth = 3
	_, err = Run(context.Background(), c, tr, te, Options{})
	if err == nil || !strings.Contains(err.Error(), "good.npz") || !strings.Contains(err.Error(), "wide.npz") || !strings.Contains(err.Error(), "(10, 4)") {
		t.Errorf("dimension mismatch: err = %v", err)
	}
	c.Depth = 0
	if _, err = Run(context.Background(), c, tr, tr, Options{}); err == nil || !strings.Contains(err.Error(), "no hidden features") {
		t.Errorf("no depth: err = %v", err)
	}
	for _, bad := range []func(*Config){
		func(c *Config) { c.Mode = "sideways" },
		func(c *Config) { c.Mode = "bfc--1" },
		func(c *Config) { c.Mode = "bfc-01" },
		func(c *Config) { c.Learner = "svm" },
		func(c *Config) { c.Batch = 0 },
		func(c *Config) { c.LR = -1 },
		func(c *Config) { c.DType = "float16" },
		func(c *Config) { c.Width = 0 },
	} {
		c := smallConfig(ModeProgressive)
		bad(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}

func TestPlan(t *testing.T) {
	for _, tc := range []struct {
		mode string
		want []stage
	}{
		{ModeProgressive, []stage{{2, 2, 10}, {3, 2, 10}, {4, 2, 10}}},
		{ModeLayerwise, []stage{{2, 2, 10}, {3, 3, 10}, {4, 4, 10}}},
		{"bfc-0", []stage{{2, 2, 10}, {3, 3, 10}, {4, 4, 10}}},
		{"bfc-1", []stage{{2, 2, 10}, {3, 2, 10}, {4, 3, 10}}},
		{ModeE2E, []stage{{4, 2, 30}}},
	} {
		c := DefaultConfig()
		c.Mode, c.StepsPerStage = tc.mode, 10
		got := c.plan(4)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %v", tc.mode, got)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: stages %v, want %v", tc.mode, got, tc.want)
			}
		}
	}
}

func TestClassificationLearnsAboveChance(t *testing.T) {
	c, err := concept.New(concept.Spec{D: 6, Layers: 3, Widths: []int{2}, Task: concept.TaskClassification, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	var sets [2]*concept.Dataset
	for i, n := range []int{3000, 2000} {
		if sets[i], err = c.Sample(n, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	cfg := smallConfig(ModeProgressive)
	cfg.Width, cfg.StepsPerStage, cfg.Batch = 2, 300, 128
	res, err := Run(context.Background(), cfg, sets[0], sets[1], Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Metrics
	if m.TestError == nil || m.TestRelMSE != nil {
		t.Fatalf("classification metrics: %+v", m)
	}
	// Labels are balanced (median split): chance is 0.5.
	if *m.TestError > 0.2 {
		t.Errorf("test 0-1 error %v after training", *m.TestError)
	}
	t.Logf("test 0-1 error %.3f", *m.TestError)
}
