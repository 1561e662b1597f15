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
	return runExport("export_resnets.py", []string{"torch", "torchvision", "onnx"},
		"--models", models, "--opsets", opsets, "--bn", bn)
}

// ExportRecurrent runs tools/export_recurrent.py with Debian's PyTorch
// for the given comma-separated models (lstm, lstm-tagger...) and opsets
// (files that exist are kept) and returns the directory holding
// <model>_op<opset>.onnx.
func ExportRecurrent(models, opsets string) (string, error) {
	return runExport("export_recurrent.py", []string{"torch", "onnx"}, "--models", models, "--opsets", opsets)
}

// ExportTransformers runs tools/export_transformers.py with Debian's
// PyTorch for the given comma-separated models (bert-tiny, bert-base...)
// and opsets (files that exist are kept) and returns the directory
// holding <model>_op<opset>.onnx.
func ExportTransformers(models, opsets string) (string, error) {
	return runExport("export_transformers.py", []string{"torch", "onnx"}, "--models", models, "--opsets", opsets)
}

// runExport runs the export script tools/<script> with a Python that has
// the given modules, writing into CacheDir, and returns that directory.
func runExport(script string, modules []string, args ...string) (string, error) {
	py, err := reftools.Python(modules...)
	if err != nil {
		return "", err
	}
	path, err := reftools.Tool(script)
	if err != nil {
		return "", err
	}
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	cmd := append([]string{path, "--out", dir}, args...)
	out, err := exec.Command(py, cmd...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s: %v\n%s", script, err, out)
	}
	return dir, nil
}
