package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/crosscheck"
	"github.com/hierlearn/hierlearn/internal/numeric"
	"github.com/hierlearn/hierlearn/internal/reftools"
	"github.com/hierlearn/hierlearn/internal/version"
)

// GradConfig selects what Grad measures.
type GradConfig struct {
	Models  []string // resnet20a, resnet20b, resnet18, ...
	Batch   int      // examples per forward+backward (1: per example)
	Threads int      // Go's GOMAXPROCS and torch's threads
	Warmup  int
	Repeat  int
}

// GradRow is one model's measurement: median seconds per
// forward+backward call.
type GradRow struct {
	Model   string  `json:"model"`
	GoS     float64 `json:"go_s"`
	TorchS  float64 `json:"torch_s"`
	Ratio   float64 `json:"ratio"`
	Params  int     `json:"params"`
	GoMinS  float64 `json:"go_min_s"`
	TorchMi float64 `json:"torch_min_s"`
}

// GradReport is the result of Grad.
type GradReport struct {
	Config  GradConfig `json:"config"`
	Torch   string     `json:"torch"`
	BLAS    string     `json:"blas"`
	Version string     `json:"version"`
	Rows    []GradRow  `json:"rows"`
}

// Grad times forward + backward (gradients with respect to every
// float initializer and the input, of sum(logits)) of the exported
// ResNets (BN kept, opset 13, loaded with NoFold so that every Conv and
// BN parameter gets its gradient, as torch computes them) against
// PyTorch (tools/grad_ref.py bench) in the same run with the same thread
// count, and prints one line per model to w.
func Grad(w io.Writer, cfg GradConfig) (*GradReport, error) {
	if cfg.Batch < 1 || cfg.Threads < 1 || cfg.Repeat < 1 || cfg.Warmup < 0 || len(cfg.Models) == 0 {
		return nil, fmt.Errorf("bench grad: config %+v: need models, batch, threads and repeat >= 1", cfg)
	}
	py, err := reftools.Python("torch", "torchvision", "onnx")
	if err != nil {
		return nil, err
	}
	script, err := reftools.Tool("grad_ref.py")
	if err != nil {
		return nil, err
	}
	models := strings.Join(cfg.Models, ",")
	dir, err := crosscheck.ExportResNets(models, "13", "kept")
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(py, script, "bench", "--models", models, "--batch", fmt.Sprint(cfg.Batch),
		"--threads", fmt.Sprint(cfg.Threads), "--warmup", fmt.Sprint(cfg.Warmup), "--repeat", fmt.Sprint(cfg.Repeat)).Output()
	if err != nil {
		return nil, fmt.Errorf("bench grad: grad_ref.py bench: %w", err)
	}
	var ref struct {
		Torch  string `json:"torch"`
		Models map[string]struct {
			Median float64 `json:"median_s"`
			Min    float64 `json:"min_s"`
		} `json:"models"`
	}
	if err := json.Unmarshal(out, &ref); err != nil {
		return nil, fmt.Errorf("bench grad: grad_ref.py bench output %q: %w", out, err)
	}
	prev := runtime.GOMAXPROCS(cfg.Threads)
	defer runtime.GOMAXPROCS(prev)
	numeric.SetBLASThreads(1)
	rep := &GradReport{Config: cfg, Torch: ref.Torch, BLAS: numeric.BLASName(), Version: version.Full()}
	fmt.Fprintf(w, "forward+backward (all parameter and input gradients), batch %d, %d thread(s); torch %s, Go %s (%s)\n",
		cfg.Batch, cfg.Threads, ref.Torch, runtime.Version(), rep.BLAS)
	for _, name := range cfg.Models {
		m, err := importer.LoadWith(filepath.Join(dir, name+"_op13_kept.onnx"), importer.LoadOptions{NoFold: true})
		if err != nil {
			return nil, err
		}
		gs, err := importer.NewGradSession(m, m.FloatInitializers()...)
		if err != nil {
			return nil, err
		}
		size := 32 // CIFAR ResNets
		if name == "resnet18" || name == "resnet50" {
			size = 224
		}
		r := rand.New(rand.NewPCG(1, 1))
		x := &importer.Tensor{DType: importer.Float32, Shape: []int{cfg.Batch, 3, size, size}, F: make([]float32, cfg.Batch*3*size*size)}
		for i := range x.F {
			x.F[i] = float32(r.NormFloat64())
		}
		var times []float64
		for i := 0; i < cfg.Warmup+cfg.Repeat; i++ {
			t0 := time.Now()
			tape, err := gs.Forward(map[string]*importer.Tensor{"input": x})
			if err != nil {
				return nil, err
			}
			y, err := tape.Output("logits")
			if err != nil {
				return nil, err
			}
			for j := range y.F {
				y.F[j] = 1
			}
			if _, err := tape.Backward(map[string]*importer.Tensor{"logits": y}); err != nil {
				return nil, err
			}
			tape.Release()
			if i >= cfg.Warmup {
				times = append(times, time.Since(t0).Seconds())
			}
		}
		sort.Float64s(times)
		tr, ok := ref.Models[name]
		if !ok {
			return nil, fmt.Errorf("bench grad: torch did not time %s", name)
		}
		var P int
		for _, p := range gs.Params() {
			P += gs.Param(p).Len()
		}
		row := GradRow{Model: name, GoS: times[len(times)/2], GoMinS: times[0], TorchS: tr.Median, TorchMi: tr.Min, Params: P}
		row.Ratio = row.GoS / row.TorchS
		rep.Rows = append(rep.Rows, row)
		fmt.Fprintf(w, "%-10s %9d params  Go %8.2f ms  torch %8.2f ms  ratio %.2fx (target <= 1.5x)\n",
			name, P, 1e3*row.GoS, 1e3*row.TorchS, row.Ratio)
	}
	return rep, nil
}
