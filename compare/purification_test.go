package compare

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/train/robust"
)

func TestPurificationLearners(t *testing.T) {
	for _, tc := range []struct {
		learner string
		kind    string
		adv     robust.Attack
		ok      bool
	}{
		{"robust:net", robust.KindNet, robust.Attack{}, true},
		{"robust:net:pgd-l2", robust.KindNet, robust.Attack{Method: robust.PGD, Norm: robust.L2, Eps: 0.3, Steps: 5}, true},
		{"robust:ntk:fgm-linf", robust.KindNTK, robust.Attack{Method: robust.FGM, Norm: robust.LInf, Eps: 0.04}, true},
		{"robust:linear", robust.KindLinear, robust.Attack{}, true},
		{"robust:poly:3", robust.KindPoly, robust.Attack{}, true},
		{"robust:poly", "", robust.Attack{}, false},
		{"robust:net:pgd", "", robust.Attack{}, false},
		{"robust:net:cw-l2", "", robust.Attack{}, false},
		{"robust:mlp", "", robust.Attack{}, false},
		{"robust", "", robust.Attack{}, false},
	} {
		e, err := purificationExperiment(Cell{Learner: tc.learner, Seed: 1})
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.learner, err)
			continue
		}
		if err == nil && (e.Kind != tc.kind || e.Train.Adv != tc.adv) {
			t.Errorf("%s: kind %s, attack %+v", tc.learner, e.Kind, e.Train.Adv)
		}
	}
	if e, _ := purificationExperiment(Cell{Learner: "robust:ntk", Seed: 1}); e.Train.Adam || e.Train.Alpha != 100 {
		t.Errorf("the NTK-regime network trains with Adam %v, alpha %v", e.Train.Adam, e.Train.Alpha)
	}
	// Only the convex linear model decays its step size.
	for learner, cosine := range map[string]bool{"robust:linear:pgd-linf": true, "robust:linear": true, "robust:net:pgd-linf": false, "robust:ntk": false} {
		if e, _ := purificationExperiment(Cell{Learner: learner, Seed: 1}); e.Train.Cosine != cosine {
			t.Errorf("%s: cosine step %v, want %v", learner, e.Train.Cosine, cosine)
		}
	}
	for _, name := range []string{"sparse-coding:d=1", "sparse-coding:", "mnist"} {
		if err := checkDataset(name); err == nil {
			t.Errorf("dataset %q accepted", name)
		}
	}
}

func TestPurificationPreset(t *testing.T) {
	p, err := Preset("purification")
	if err != nil {
		t.Fatal(err)
	}
	seeds := map[uint64]bool{}
	for _, c := range p.Cells {
		seeds[c.Seed] = true
		if _, err := purificationExperiment(c); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
	if len(seeds) < 5 || len(p.Cells) != (2*8+len(linfScalingDims))*5 {
		t.Errorf("%d cells over %d seeds", len(p.Cells), len(seeds))
	}
	// The l2 sweep at d=100 is evaluated under l2 only, the l-infinity
	// sweep at d=400 under l-infinity only, trained at 0.4/sqrt(d) = 0.02
	// on 40,000 points, width 400; the scaling cells train and evaluate
	// the linear model at l-infinity radius 0.4/sqrt(d).
	scaling, linf := 0, 0
	for _, c := range p.Cells {
		spec, _, err := sparseCodingOf(c.Dataset)
		e, err2 := purificationExperiment(c)
		if err != nil || err2 != nil {
			t.Fatalf("%s: %v, %v", c, err, err2)
		}
		want := linfScale / math.Sqrt(float64(spec.D))
		switch {
		case spec.D == 400:
			linf++
			if c.N != 40000 || e.Train.Width != 400 || len(e.L2Radii) != 0 || !slices.Contains(e.LInfRadii, 0.02) ||
				(e.Train.Adv.Method != "" && (e.Train.Adv.Norm != robust.LInf || e.Train.Adv.Eps != 0.02)) {
				t.Errorf("%s: n %d, width %d, attack %+v, grids %v and %v", c, c.N, e.Train.Width, e.Train.Adv, e.L2Radii, e.LInfRadii)
			}
			if steps := map[bool]int{true: linfFGMSteps, false: 3000}[c.Learner == linfFGMLearner]; e.Kind != robust.KindPoly && e.Train.Steps != steps {
				t.Errorf("%s: %d steps, want %d", c, e.Train.Steps, steps)
			}
		case c.Learner == linfScalingLearner:
			scaling++
			if e.Train.Adv.Eps != want || len(e.LInfRadii) != 1 || e.LInfRadii[0] != want {
				t.Errorf("%s: training radius %v and grid %v, want %v", c, e.Train.Adv.Eps, e.LInfRadii, want)
			}
		default:
			if spec.D != 100 || len(e.LInfRadii) != 0 || (e.Train.Adv.Method != "" && e.Train.Adv.Norm != robust.L2) {
				t.Errorf("%s: attack %+v, l-infinity grid %v", c, e.Train.Adv, e.LInfRadii)
			}
		}
	}
	if scaling != len(linfScalingDims)*5 || linf != 8*5 {
		t.Errorf("%d scaling cells, %d at d=400", scaling, linf)
	}
}

// TestPurificationRun runs a miniature preset end to end: data, every
// model kind, the report section and the plots.
func TestPurificationRun(t *testing.T) {
	dir := t.TempDir()
	spec := concept.SparseCodingSpec{D: 16, Noise: 0.05, Margin: 0.5, Seed: 1}
	cfg := Config{Name: "purification-mini", Sweeps: []Sweep{{Experiment: "purification", Dataset: SparseCodingDataset(spec),
		Learners: []string{"robust:net", "robust:net:pgd-l2", "robust:ntk", "robust:linear:fgm-linf", "robust:poly:2"},
		N:        []int{400}, Seeds: []uint64{1, 2, 3}, NTest: 200,
		Options: map[string]any{"width": 16.0, "steps": 150.0, "lr": 0.01, "poly_n": 200.0, "l2_radii": []any{0.2, 0.5, 1.0, 2.0},
			"linf_radii": []any{0.05, 0.2, 0.5}, "eval_steps": 3.0}}}}
	// The linear model's l-infinity scaling at two more dimensions.
	for _, d := range []int{36, 64} {
		eps := 0.8 / math.Sqrt(float64(d))
		cfg.Sweeps = append(cfg.Sweeps, Sweep{Experiment: "purification", Dataset: SparseCodingDataset(concept.SparseCodingSpec{D: d, Noise: 0.05, Margin: 0.5, Seed: 1}),
			Learners: []string{linfScalingLearner}, N: []int{400}, Seeds: []uint64{1, 2}, NTest: 200,
			Options: map[string]any{"steps": 150.0, "lr": 0.01, "eps_linf": eps, "linf_radii": []any{eps}, "l2_radii": []any{0.5}, "eval_steps": 3.0}})
	}
	p, err := cfg.Plan()
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), p, dir, Options{})
	if err != nil || sum.Failed > 0 {
		b, _ := os.ReadFile(filepath.Join(dir, ResultsFile))
		t.Fatalf("run: %v, %+v\n%s", err, sum, b)
	}
	if err := Report(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	rep := string(b)
	for _, want := range []string{"### Feature purification", "breaking radius", "robust:poly:2", "mixture ratio at init",
		"against d", "| 36 | 400 | 0.1333 | 0.8 | 2 |", "| 64 | 400 | 0.1 | 0.8 | 2 |", "under the worst perturbation, in closed form",
		"purification-robust-l2.png", "purification-mixture.png", "purification-profile.png"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, f := range []string{"purification-robust-l2.png", "purification-robust-linf.svg", "purification-mixture.png", "purification-profile.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}
