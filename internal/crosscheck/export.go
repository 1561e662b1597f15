package crosscheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/hierlearn/hierlearn/internal/reftools"
)

// CacheDir is where exported models are kept: $HIERLEARN_CACHE, else the
// user cache directory, under hierlearn/importer-models.
func CacheDir() (string, error) {
	dir := os.Getenv("HIERLEARN_CACHE")
	if dir == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			c = os.TempDir()
		}
		dir = filepath.Join(c, "hierlearn")
	}
	dir = filepath.Join(dir, "importer-models")
	return dir, os.MkdirAll(dir, 0o755)
}

// ExportResNets runs tools/export_resnets.py with Debian's PyTorch for
// the given comma-separated models, opsets and BN modes (files that exist
// are kept) and returns the directory holding <model>_op<opset>_<bn>.onnx.
func ExportResNets(models, opsets, bn string) (string, error) {
	py, err := reftools.Python("torch", "torchvision", "onnx")
	if err != nil {
		return "", err
	}
	script, err := reftools.Tool("export_resnets.py")
	if err != nil {
		return "", err
	}
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	out, err := exec.Command(py, script, "--out", dir, "--models", models, "--opsets", opsets, "--bn", bn).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("export_resnets.py: %v\n%s", err, out)
	}
	return dir, nil
}

// ExportRecurrent runs tools/export_recurrent.py with Debian's PyTorch
// for the given comma-separated models (lstm, lstm-tagger...) and opsets
// (files that exist are kept) and returns the directory holding
// <model>_op<opset>.onnx.
func ExportRecurrent(models, opsets string) (string, error) {
	py, err := reftools.Python("torch", "onnx")
	if err != nil {
		return "", err
	}
	script, err := reftools.Tool("export_recurrent.py")
	if err != nil {
		return "", err
	}
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	out, err := exec.Command(py, script, "--out", dir, "--models", models, "--opsets", opsets).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("export_recurrent.py: %v\n%s", err, out)
	}
	return dir, nil
}

// ExportTransformers runs tools/export_transformers.py with Debian's
// PyTorch for the given comma-separated models (bert-tiny, bert-base...)
// and opsets (files that exist are kept) and returns the directory
// holding <model>_op<opset>.onnx.
func ExportTransformers(models, opsets string) (string, error) {
	py, err := reftools.Python("torch", "onnx")
	if err != nil {
		return "", err
	}
	script, err := reftools.Tool("export_transformers.py")
	if err != nil {
		return "", err
	}
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	out, err := exec.Command(py, script, "--out", dir, "--models", models, "--opsets", opsets).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("export_transformers.py: %v\n%s", err, out)
	}
	return dir, nil
}
