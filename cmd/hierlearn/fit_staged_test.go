package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFitStagedCommand trains gradCNN's model in two stages (the
// convolution block, then the classifier) layerwise and checks the log
// (each stage's trained block, params and frozen BatchNormalization
// nodes), the written model, and that bad flag combinations fail
// without output.
func TestFitStagedCommand(t *testing.T) {
	model, _, data := gradCNN(t)
	dir := t.TempDir()
	trained := filepath.Join(dir, "staged.onnx")
	out, err := runCLI(t, "fit", "--model", model, "--train", data, "--test", data, "--lr", "0.05", "--epochs", "2",
		"--batch", "8", "--stages", "conv1+bn1,fc", "--mode", "layerwise", "-o", trained)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "stage 2 (fc): trained [fc]") || !strings.Contains(out, "test accuracy") {
		t.Errorf("output:\n%s", out)
	}
	b, err := os.ReadFile(trained + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var lg stagedFitLog
	if err := json.Unmarshal(b, &lg); err != nil {
		t.Fatal(err)
	}
	if lg.Format != "hierlearn-fit-staged" || lg.Config.Mode != "layerwise" || len(lg.Stages) != 2 || len(lg.Steps) != 12 {
		t.Fatalf("log: %s", b)
	}
	if s := lg.Stages[0]; !slices.Equal(s.Params, []string{"bn1.bias", "bn1.weight", "conv1.weight"}) || len(s.Frozen) != 0 {
		t.Errorf("stage 1 trained %v, froze %v", s.Params, s.Frozen)
	}
	if s := lg.Stages[1]; !slices.Equal(s.Params, []string{"fc.bias", "fc.weight"}) || !slices.Equal(s.Frozen, []string{"bn1"}) {
		t.Errorf("stage 2 trained %v, froze %v", s.Params, s.Frozen)
	}
	if _, err := os.Stat(trained); err != nil {
		t.Error(err)
	}
	for _, bad := range [][]string{
		{"--stages", "conv1,fc"},
		{"--mode", "layerwise"},
		{"--stages", "conv1,fc", "--mode", "sideways"},
		{"--stages", "conv9,fc", "--mode", "layerwise"},
		{"--stages", "conv1,fc", "--mode", "progressive", "--params", "fc"},
	} {
		dst := filepath.Join(dir, "bad.onnx")
		args := append([]string{"fit", "--model", model, "--train", data, "-o", dst}, bad...)
		if _, err := runCLI(t, args...); err == nil {
			t.Errorf("%v: no error", bad)
		}
		noFile(t, dst)
		noFile(t, dst+".json")
	}
}
