// Package reftools finds the reference tools that tests and benchmarks use
// as oracles: Debian's python3 with torch, onnx, numpy and scikit-learn,
// and onnxruntime-node under tools/node. None of them is a runtime
// dependency of the library; they are looked up only by tests, bench
// commands and cross-checks.
//
//	py, err := reftools.Python("torch", "onnx") // an interpreter that imports both
//	script, err := reftools.Tool("hnet_ref.py")  // tools/hnet_ref.py of this checkout
package reftools

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// InstallHint is the command that installs every reference tool.
const InstallHint = "run `make setup` (tools/setup.sh) to install the reference tools"

// candidates are the interpreters asked, Debian's first: the pyenv python3
// that comes first on PATH here lacks Debian's torch and onnx.
var candidates = []string{"/usr/bin/python3", "python3", "python"}

var (
	pyMu    sync.Mutex
	pyCache = map[string]string{}
)

// Python returns an interpreter that can import every module named (for
// example "torch", "onnx", "numpy", "sklearn"). The environment variable
// HIERLEARN_PYTHON, when set, is tried first.
func Python(modules ...string) (string, error) {
	key := strings.Join(modules, ",")
	pyMu.Lock()
	defer pyMu.Unlock()
	if p, ok := pyCache[key]; ok {
		if p == "" {
			return "", notFound(modules)
		}
		return p, nil
	}
	cands := candidates
	if env := os.Getenv("HIERLEARN_PYTHON"); env != "" {
		cands = append([]string{env}, cands...)
	}
	script := "import sys\n"
	for _, m := range modules {
		script += "import " + m + "\n"
	}
	for _, c := range cands {
		path, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", script).Run() == nil {
			pyCache[key] = path
			return path, nil
		}
	}
	pyCache[key] = ""
	return "", notFound(modules)
}

// ErrMissing is wrapped by the errors of tools that are not installed.
var ErrMissing = errors.New("reference tool missing")

func notFound(modules []string) error {
	return fmt.Errorf("%w: no python3 imports %s; %s", ErrMissing, strings.Join(modules, ", "), InstallHint)
}

// Root returns the repository root (the directory holding go.mod), found
// from this source file's location or, failing that, the working directory.
func Root() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Dir(file)
		for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				return d, nil
			}
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("repository root (go.mod) not found")
}

// Tool returns the absolute path of a file under tools/.
func Tool(name string) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "tools", name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("reference script %s: %w", name, err)
	}
	return p, nil
}

// Node returns the node binary and the tools/node directory where
// onnxruntime-node is installed.
func Node() (node, dir string, err error) {
	node, err = exec.LookPath("node")
	if err != nil {
		return "", "", fmt.Errorf("%w: node not on PATH; %s", ErrMissing, InstallHint)
	}
	root, err := Root()
	if err != nil {
		return "", "", err
	}
	dir = filepath.Join(root, "tools", "node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "onnxruntime-node")); err != nil {
		return "", "", fmt.Errorf("%w: onnxruntime-node not installed in %s; %s", ErrMissing, dir, InstallHint)
	}
	return node, dir, nil
}

// DataDir returns the directory of a Debian dataset package, honouring an
// override environment variable, e.g. DataDir("HIERLEARN_FASHION_MNIST",
// "/usr/share/datasets/fashion-mnist").
func DataDir(envVar, def string) string {
	if v := os.Getenv(envVar); v != "" {
		return v
	}
	return def
}
