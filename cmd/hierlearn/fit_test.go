package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/npy"
)

// TestFitCommand trains gradCNN's model with training-mode BN and checks
// the written model (re-importable, the graph unchanged, BN running
// statistics updated), the log (one loss per step, configuration, seed,
// version), the batch file, and that bad flags fail without output.
func TestFitCommand(t *testing.T) {
	model, _, data := gradCNN(t)
	dir := t.TempDir()
	trained := filepath.Join(dir, "trained.onnx")
	batches := filepath.Join(dir, "b.npy")
	out, err := runCLI(t, "fit", "--model", model, "--train", data, "--test", data, "--lr", "0.05",
		"--epochs", "3", "--batch", "10", "--seed", "7", "--weight-decay", "1e-4", "--schedule", "cosine",
		"--save-batches", batches, "-o", trained)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "epoch 3 (step 9)") || !strings.Contains(out, "test accuracy") {
		t.Errorf("output:\n%s", out)
	}
	b, err := os.ReadFile(trained + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var lg fitLog
	if err := json.Unmarshal(b, &lg); err != nil {
		t.Fatal(err)
	}
	// 24 examples in batches of 10: 3 steps an epoch, the last of 4.
	if lg.Format != "hierlearn-fit" || lg.Version == "" || lg.Config.Seed != 7 || len(lg.Steps) != 9 || len(lg.Epochs) != 3 {
		t.Errorf("log: %s", b)
	}
	if lg.Steps[0].LR != 0.05 || !(lg.Steps[8].LR < lg.Steps[1].LR) {
		t.Errorf("cosine schedule: %+v", lg.Steps)
	}
	if !(lg.Epochs[2].TrainLoss < lg.Epochs[0].TrainLoss) {
		t.Errorf("training loss did not fall: %+v", lg.Epochs)
	}
	a, err := npy.ReadFile(batches)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Shape) != 2 || a.Shape[0] != 9 || a.Shape[1] != 10 || a.I64[29] != -1 || a.I64[20] < 0 {
		t.Errorf("batches %v: %v", a.Shape, a.I64)
	}
	m0, err := importer.LoadWith(model, importer.LoadOptions{NoFold: true})
	if err != nil {
		t.Fatal(err)
	}
	m1, err := importer.LoadWith(trained, importer.LoadOptions{NoFold: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bn1.running_mean", "bn1.running_var", "conv1.weight", "fc.bias"} {
		v0, _ := m0.Initializer(name)
		v1, ok := m1.Initializer(name)
		if !ok || v0.F[0] == v1.F[0] {
			t.Errorf("%s unchanged by training", name)
		}
	}
	l0, _ := m0.OpCounts()
	l1, _ := m1.OpCounts()
	if fmtMap(l0) != fmtMap(l1) {
		t.Errorf("graph changed: %v -> %v", l0, l1)
	}
	for _, bad := range [][]string{
		{"--bn", "sometimes"},
		{"--optimizer", "lbfgs"},
		{"--schedule", "step"},
		{"--momentum", "1.5"},
		{"--lr", "-1"},
		{"--optimizer", "nesterov", "--momentum", "0"},
		{"--params", "running_mean"},
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
