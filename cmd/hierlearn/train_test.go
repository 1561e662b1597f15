package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/npy"
)

// trainData writes a small concept's training and test sets into dir.
func trainData(t *testing.T, dir string) (trainPath, testPath, conceptPath string) {
	t.Helper()
	c, err := concept.New(concept.Spec{D: 6, Layers: 3, Widths: []int{2}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	conceptPath = filepath.Join(dir, "concept.json")
	if err := c.Save(conceptPath); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"train.npz", "test.npz"} {
		ds, err := c.Sample(300, uint64(10+i))
		if err != nil {
			t.Fatal(err)
		}
		if err := ds.Save(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "train.npz"), filepath.Join(dir, "test.npz"), conceptPath
}

func TestTrainCommand(t *testing.T) {
	dir := t.TempDir()
	tr, te, _ := trainData(t, dir)
	out := filepath.Join(dir, "run")
	stdout, err := runCLI(t, "train", "--train", tr, "--test", te, "--width", "2", "--mode", "progressive",
		"--steps-per-stage", "30", "--batch", "32", "--dtype", "float64", "-o", out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "stage 3: test rel MSE") || !strings.Contains(stdout, "e2=") {
		t.Errorf("stdout: %s", stdout)
	}
	var m map[string]any
	b, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"learner", "mode", "n_train", "test_rel_mse", "train_seconds", "steps_per_second", "stages", "seed", "version"} {
		if _, ok := m[k]; !ok {
			t.Errorf("metrics.json lacks %q", k)
		}
	}
	stages := m["stages"].([]any)
	if len(stages) != 2 {
		t.Fatalf("%d stages", len(stages))
	}
	fe := stages[1].(map[string]any)["feature_error"].(map[string]any)
	if _, ok := fe["2"]; !ok {
		t.Errorf("stage 3 feature errors %v lack layer 2", fe)
	}
	for _, f := range []string{"config.json", "model.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestTrainCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	tr, te, cpath := trainData(t, dir)
	wide := filepath.Join(dir, "wide.npz")
	z := npy.NewArchive()
	z.Add("x", npy.NewFloat64(make([]float64, 50), 10, 5))
	z.Add("y", npy.NewFloat64(make([]float64, 10), 10))
	if err := npy.WriteNPZ(wide, z); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--train", tr, "--test", te}, []string{"-o"}},
		{[]string{"--train", tr, "--test", te, "-o", out, "--mode", "sideways"}, []string{"sideways"}},
		{[]string{"--train", tr, "--test", te, "-o", out, "--learner", "svm"}, []string{"svm"}},
		{[]string{"--train", tr, "--test", te, "-o", out, "--dtype", "int8"}, []string{"int8"}},
		{[]string{"--train", tr, "--test", te, "-o", out, "--batch", "0"}, []string{"batch"}},
		{[]string{"--train", filepath.Join(dir, "nope.npz"), "--test", te, "-o", out}, []string{"nope.npz"}},
		{[]string{"--train", tr, "--test", wide, "-o", out}, []string{"wide.npz", "train.npz", "(10, 5)", "(300, 6)"}},
		{[]string{"--train", wide, "--test", wide, "--concept", cpath, "-o", out}, []string{"concept.json", "d = 6", "(10, 5)"}},
		{[]string{"--train", tr, "--test", te, "-o", out, "--resume"}, []string{"resume"}},
	} {
		_, err := runCLI(t, append([]string{"train", "--steps-per-stage", "2"}, tc.args...)...)
		if err == nil {
			t.Errorf("%v: no error", tc.args)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q lacks %q", tc.args, err, w)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, "model.json")); err == nil {
		t.Error("a failed run wrote model.json")
	}
}

func TestTrainCommandMLP(t *testing.T) {
	dir := t.TempDir()
	tr, te, _ := trainData(t, dir)
	out := filepath.Join(dir, "mlp")
	if _, err := runCLI(t, "train", "--train", tr, "--test", te, "--learner", "mlp", "--hidden", "8,8",
		"--steps-per-stage", "10", "--batch", "32", "-o", out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Learner, Mode string }
	if err := json.Unmarshal(b, &m); err != nil || m.Learner != "mlp" || m.Mode != "e2e" {
		t.Errorf("metrics learner %q mode %q (err %v)", m.Learner, m.Mode, err)
	}
	if _, err := runCLI(t, "train", "--train", tr, "--test", te, "--learner", "mlp", "--mode", "layerwise", "-o", out); err == nil || !strings.Contains(err.Error(), "end to end") {
		t.Errorf("mlp layerwise: err = %v", err)
	}
}
