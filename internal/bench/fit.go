package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/importer/analysis"
	"github.com/hierlearn/hierlearn/internal/crosscheck"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/numeric"
	"github.com/hierlearn/hierlearn/internal/procstat"
	"github.com/hierlearn/hierlearn/internal/reftools"
	"github.com/hierlearn/hierlearn/internal/version"
)

// FitConfig selects what Fit measures.
type FitConfig struct {
	Model   string  `json:"model"`   // a tools/export_resnets.py CIFAR ResNet (resnet20b)
	Batch   int     `json:"batch"`   // examples per step
	Steps   int     `json:"steps"`   // steps timed (0: one whole epoch); the epoch time is extrapolated
	Threads int     `json:"threads"` // Go's GOMAXPROCS and torch's threads
	LR      float64 `json:"lr"`
	Seed    uint64  `json:"seed"`
	DataDir string  `json:"data_dir,omitempty"` // Fashion-MNIST IDX files ("" = concept.FashionMNISTDir())
}

// FitReport is the result of Fit: seconds per epoch of Fashion-MNIST's
// 60,000 training images, extrapolated from the steps timed.
type FitReport struct {
	Config         FitConfig `json:"config"`
	StepsPerEpoch  int       `json:"steps_per_epoch"`
	StepsTimed     int       `json:"steps_timed"`
	GoEpochS       float64   `json:"go_epoch_s"`
	TorchEpochS    float64   `json:"torch_epoch_s"`
	Ratio          float64   `json:"ratio"`
	GoCPUEpochS    float64   `json:"go_cpu_epoch_s"`    // CPU seconds (user + system, all threads) per epoch
	TorchCPUEpochS float64   `json:"torch_cpu_epoch_s"` // the same for PyTorch (0: not reported)
	CPURatio       float64   `json:"cpu_ratio"`         // Go's CPU time over torch's: the ratio a busy machine disturbs least
	GoFinalLoss    float64   `json:"go_final_loss"`
	TorchFinal     float64   `json:"torch_final_loss"`
	Torch          string    `json:"torch"`
	BLAS           string    `json:"blas"`
	GoVersion      string    `json:"go"`
	Version        string    `json:"version"`
}

// Fit times `hierlearn fit` (analysis.Model.Fit: SGD with momentum 0.9,
// training-mode BatchNormalization) on Fashion-MNIST padded to 32x32 and
// PyTorch replaying the same batches from the same weights
// (tools/fit_ref.py), in the same run with the same thread count, and
// prints the time per epoch of each and their ratio to w.
func Fit(w io.Writer, cfg FitConfig) (*FitReport, error) {
	if cfg.Model == "" || cfg.Batch < 1 || cfg.Threads < 1 || cfg.Steps < 0 || !(cfg.LR > 0) {
		return nil, fmt.Errorf("bench fit: config %+v: need a model, batch and threads >= 1, steps >= 0, lr > 0", cfg)
	}
	py, err := reftools.Python("torch", "torchvision", "onnx")
	if err != nil {
		return nil, err
	}
	script, err := reftools.Tool("fit_ref.py")
	if err != nil {
		return nil, err
	}
	dir, err := crosscheck.ExportResNets(cfg.Model, "13", "kept")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, cfg.Model+"_op13_kept.onnx")
	train, _, err := concept.LoadFashionMNIST(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("bench fit: %w", err)
	}
	tmp, err := os.MkdirTemp("", "hierlearn-bench-fit")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	prev := runtime.GOMAXPROCS(cfg.Threads)
	defer runtime.GOMAXPROCS(prev)
	numeric.SetBLASThreads(1)
	m, err := importer.LoadWith(path, importer.LoadOptions{NoFold: true})
	if err != nil {
		return nil, err
	}
	ps, err := analysis.SelectTrainable(m, "")
	if err != nil {
		return nil, err
	}
	md, err := analysis.New(m, "", ps)
	if err != nil {
		return nil, err
	}
	rep := &FitReport{Config: cfg, StepsPerEpoch: (train.N + cfg.Batch - 1) / cfg.Batch, BLAS: numeric.BLASName(),
		GoVersion: runtime.Version(), Version: version.Full()}
	steps := cfg.Steps
	if steps == 0 || steps > rep.StepsPerEpoch {
		steps = rep.StepsPerEpoch
	}
	fmt.Fprintf(w, "%s on Fashion-MNIST at 32x32, batch %d, SGD momentum 0.9 lr %g, training-mode BN, %d thread(s): %d of %d steps of an epoch timed\n",
		cfg.Model, cfg.Batch, cfg.LR, cfg.Threads, steps, rep.StepsPerEpoch)
	t0, c0 := time.Now(), procstat.CPUSeconds()
	res, err := md.Fit(train, analysis.FitOptions{Optimizer: "sgd", LR: cfg.LR, Momentum: 0.9, Batch: cfg.Batch,
		MaxSteps: steps, Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	goS, goCPU := time.Since(t0).Seconds(), procstat.CPUSeconds()-c0
	rep.StepsTimed = res.Steps
	rep.GoFinalLoss = res.StepLoss[len(res.StepLoss)-1]

	// torch replays the same batches of the same images: the examples the
	// timed steps used, renumbered, as a float32 npz.
	data, batches, out := filepath.Join(tmp, "train.npz"), filepath.Join(tmp, "b.npy"), filepath.Join(tmp, "torch.json")
	used := map[int]int{}
	var x []float32
	var y []int64
	renum := make([][]int, len(res.Batches))
	for s, idx := range res.Batches {
		for _, i := range idx {
			j, ok := used[i]
			if !ok {
				j = len(used)
				used[i] = j
				for _, v := range train.X[i*train.D : (i+1)*train.D] {
					x = append(x, float32(v))
				}
				y = append(y, train.Labels[i])
			}
			renum[s] = append(renum[s], j)
		}
	}
	z := npy.NewArchive()
	z.Add("x", npy.NewFloat32(x, len(y), train.D))
	z.Add("y", npy.NewInt64(y, len(y)))
	if err := npy.WriteNPZ(data, z); err != nil {
		return nil, err
	}
	if err := analysis.WriteBatches(batches, renum); err != nil {
		return nil, err
	}
	cmd := exec.Command(py, script, "--arch", cfg.Model, "--onnx", path, "--train", data, "--batches", batches,
		"--lr", fmt.Sprint(cfg.LR), "--momentum", "0.9", "--threads", fmt.Sprint(cfg.Threads), "--out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("bench fit: fit_ref.py: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("bench fit: %w", err)
	}
	var ref struct {
		Torch   string    `json:"torch"`
		Seconds float64   `json:"seconds"`
		CPU     float64   `json:"cpu_seconds"`
		Losses  []float64 `json:"losses"`
	}
	if err := json.Unmarshal(b, &ref); err != nil || len(ref.Losses) != res.Steps {
		return nil, fmt.Errorf("bench fit: fit_ref.py output %.200q: %v", b, err)
	}
	rep.Torch = ref.Torch
	rep.TorchFinal = ref.Losses[len(ref.Losses)-1]
	per := float64(rep.StepsPerEpoch) / float64(res.Steps)
	rep.GoEpochS, rep.TorchEpochS = goS*per, ref.Seconds*per
	rep.Ratio = rep.GoEpochS / rep.TorchEpochS
	fmt.Fprintf(w, "Go %.1f s per epoch (%.3f s per step)  torch %s %.1f s per epoch (%.3f s per step)  ratio %.2fx (target <= 1.2x)\n",
		rep.GoEpochS, goS/float64(res.Steps), ref.Torch, rep.TorchEpochS, ref.Seconds/float64(res.Steps), rep.Ratio)
	if goCPU > 0 && ref.CPU > 0 {
		rep.GoCPUEpochS, rep.TorchCPUEpochS = goCPU*per, ref.CPU*per
		rep.CPURatio = goCPU / ref.CPU
		fmt.Fprintf(w, "CPU time: Go %.3f s per step, torch %.3f s per step, ratio %.2fx\n",
			goCPU/float64(res.Steps), ref.CPU/float64(res.Steps), rep.CPURatio)
	}
	fmt.Fprintf(w, "loss after the last step: Go %.5g, torch %.5g\n", rep.GoFinalLoss, rep.TorchFinal)
	return rep, nil
}
