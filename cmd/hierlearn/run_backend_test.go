package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// backendRoot is the ONNX 1.22 backend test data, ../shared from the
// repository's root.
var backendRoot = filepath.Join("..", "..", "..", "shared", "onnx-backend-tests")

// The verdicts of a backend test.
const (
	verdictPass        = "pass"
	verdictUnsupported = "refused (unsupported)"
	verdictFail        = "fail"
)

// TestRunMatchesBackendTests hands every ONNX 1.22 backend test's inputs
// to `hierlearn run` as .npy files and compares what it writes with the
// expected outputs (rtol 1e-3, atol 1e-7, as the importer's
// TestONNXBackendTests does), and checks that every test gets the
// verdict the importer's Session gets on the same data: so `run` passes,
// refuses and fails exactly the tests the Go backend test does.
func TestRunMatchesBackendTests(t *testing.T) {
	root := testutil.File(t, backendRoot, "the ONNX 1.22 backend test data (../shared/onnx-backend-tests)")
	counts := map[string]int{}
	for _, suite := range []string{"node", "simple", "pytorch-converted", "pytorch-operator"} {
		dirs, err := os.ReadDir(filepath.Join(root, suite))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			dir := filepath.Join(root, suite, d.Name())
			if _, err := os.Stat(filepath.Join(dir, "model.onnx")); err != nil {
				continue
			}
			lib, libErr := backendVerdict(dir, runLibrary)
			cli, cliErr := backendVerdict(dir, func(path string, m *importer.Model, in []*importer.Tensor) (map[string]*importer.Tensor, error) {
				return runCommand(t, path, m, in)
			})
			if lib != cli {
				t.Errorf("%s/%s: run: %s (%v); the importer: %s (%v)", suite, d.Name(), cli, cliErr, lib, libErr)
			}
			counts[cli]++
		}
	}
	t.Logf("hierlearn run on the backend tests: %d pass, %d refused as unsupported, %d fail (the importer's Session: the same verdict on every test)",
		counts[verdictPass], counts[verdictUnsupported], counts[verdictFail])
	if counts[verdictPass] == 0 {
		t.Error("no backend test passed")
	}
}

// runner runs the model at path (loaded as m) on inputs in m.Inputs order.
type runner func(path string, m *importer.Model, in []*importer.Tensor) (map[string]*importer.Tensor, error)

func runLibrary(_ string, m *importer.Model, in []*importer.Tensor) (map[string]*importer.Tensor, error) {
	feed := map[string]*importer.Tensor{}
	for i, vi := range m.Inputs {
		feed[vi.Name] = in[i]
	}
	return importer.NewSession(m).Run(feed)
}

// runCommand writes the inputs as .npy files and runs `hierlearn run`.
func runCommand(t *testing.T, path string, m *importer.Model, in []*importer.Tensor) (map[string]*importer.Tensor, error) {
	dir, err := os.MkdirTemp(t.TempDir(), "run")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	args := []string{"run", "--quiet", "--model", path, "-o", filepath.Join(dir, "out") + "/"}
	for i, vi := range m.Inputs {
		p := filepath.Join(dir, fmt.Sprintf("input_%d.npy", i))
		f, err := os.Create(p)
		if err != nil {
			return nil, err
		}
		err = in[i].WriteNPY(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		args = append(args, "--input", vi.Name+"="+p)
	}
	if _, err := runCLI(t, args...); err != nil {
		return nil, err
	}
	out := map[string]*importer.Tensor{}
	for _, vo := range m.Outputs {
		name := strings.NewReplacer("/", "_", "\\", "_", ":", "_", "\x00", "_").Replace(vo.Name)
		x, err := importer.ReadNPY(filepath.Join(dir, "out", name+".npy"), vo.DType)
		if err != nil {
			return nil, err
		}
		out[vo.Name] = x
	}
	return out, nil
}

// backendVerdict runs one backend test with run: pass, refused with
// ErrUnsupported, or fail (with the error).
func backendVerdict(dir string, run runner) (string, error) {
	path := filepath.Join(dir, "model.onnx")
	m, err := importer.Load(path)
	if err != nil {
		return verdictOf(err), err
	}
	sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	if len(sets) == 0 {
		return verdictFail, errors.New("no test_data_set")
	}
	for _, set := range sets {
		in := make([]*importer.Tensor, len(m.Inputs))
		for i := range m.Inputs {
			if in[i], err = importer.ReadTensorProto(filepath.Join(set, fmt.Sprintf("input_%d.pb", i))); err != nil {
				return verdictOf(err), err
			}
		}
		got, err := run(path, m, in)
		if err != nil {
			return verdictOf(err), err
		}
		for i, vo := range m.Outputs {
			want, err := importer.ReadTensorProto(filepath.Join(set, fmt.Sprintf("output_%d.pb", i)))
			if err != nil {
				return verdictOf(err), err
			}
			if err := backendClose(got[vo.Name], want); err != nil {
				return verdictFail, fmt.Errorf("%s output %s: %w", filepath.Base(set), vo.Name, err)
			}
		}
	}
	return verdictPass, nil
}

func verdictOf(err error) string {
	if errors.Is(err, importer.ErrUnsupported) {
		return verdictUnsupported
	}
	return verdictFail
}

// backendClose compares at the backend tests' tolerance (rtol 1e-3,
// atol 1e-7; NaN equals NaN, infinities must match).
func backendClose(g, w *importer.Tensor) error {
	if g == nil {
		return errors.New("missing")
	}
	if fmt.Sprint(g.Shape) != fmt.Sprint(w.Shape) || (g.DType == importer.Float32) != (w.DType == importer.Float32) {
		return fmt.Errorf("%v%v, want %v%v", g.DType, g.Shape, w.DType, w.Shape)
	}
	at := func(t *importer.Tensor, i int) float64 {
		if t.DType == importer.Float32 {
			return float64(t.F[i])
		}
		return float64(t.I[i])
	}
	for i := range w.Len() {
		gv, wv := at(g, i), at(w, i)
		if math.IsNaN(wv) && math.IsNaN(gv) || math.IsInf(wv, 0) && gv == wv {
			continue
		}
		if !(math.Abs(gv-wv) <= 1e-7+1e-3*math.Abs(wv)) {
			return fmt.Errorf("got %g, want %g at flat index %d", gv, wv, i)
		}
	}
	return nil
}
