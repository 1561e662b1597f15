package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/numeric"
	"github.com/hierlearn/hierlearn/internal/version"
	"github.com/hierlearn/hierlearn/train"
)

// TrainConfig is the training benchmark: the reference configuration of
// the notes (d=20, L=3, k=3, alpha 1, 0.3; n=10k; progressive, 2 x 4000
// steps of 512) trained by Go and by tools/hnet_ref.py in the same run.
type TrainConfig struct {
	Train   train.Config `json:"train"`
	D       int          `json:"d"`
	Depth   int          `json:"depth"`
	N       int          `json:"n_train"`
	NTest   int          `json:"n_test"`
	Threads int          `json:"threads"` // BLAS threads for Go (torch: set_num_threads(1))
}

// DefaultTrain is the reference configuration.
func DefaultTrain() TrainConfig {
	return TrainConfig{Train: train.DefaultConfig(), D: 20, Depth: 3, N: 10000, NTest: 10000, Threads: 1}
}

// TrainReport is the outcome of Train.
type TrainReport struct {
	Config          TrainConfig     `json:"config"`
	GoSeconds       float64         `json:"go_seconds"`
	TorchSeconds    float64         `json:"torch_seconds"`
	Ratio           float64         `json:"ratio"` // Go / torch wall time of the training loop
	GoRelMSE        float64         `json:"go_test_rel_mse"`
	TorchRelMSE     float64         `json:"torch_test_rel_mse"`
	GoStepsPerSec   float64         `json:"go_steps_per_second"`
	TorchStepsPerS  float64         `json:"torch_steps_per_second"`
	AllocsPerStep   float64         `json:"go_allocs_per_step"` // heap allocations per step in steady state
	HeapEarlyMB     float64         `json:"go_heap_early_mb"`   // live heap after the first steps
	HeapLateMB      float64         `json:"go_heap_late_mb"`    // and before the last
	RSSEarlyMB      float64         `json:"go_rss_early_mb"`
	RSSLateMB       float64         `json:"go_rss_late_mb"`
	TorchRSSStartMB float64         `json:"torch_rss_start_mb"`
	TorchRSSEndMB   float64         `json:"torch_rss_end_mb"`
	Torch           json.RawMessage `json:"torch"`
	Version         string          `json:"version"`
	BLAS            string          `json:"blas"`
}

// Train generates the data, trains it in Go and then with the
// PyTorch reference (python running script, tools/hnet_ref.py) and
// compares their wall times.
func Train(ctx context.Context, bc TrainConfig, python, script string) (*TrainReport, error) {
	spec := concept.DefaultSpec()
	spec.D, spec.Layers, spec.Widths, spec.Seed = bc.D, bc.Depth, []int{bc.Train.Width}, bc.Train.Seed
	if bc.Depth != 3 {
		spec.Alpha = nil
	}
	c, err := concept.New(spec)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hierlearn-bench-train")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var sets [2]*concept.Dataset
	for i, n := range []int{bc.N, bc.NTest} {
		ds, err := c.Sample(n, uint64(100+i))
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, []string{"train.npz", "test.npz"}[i])
		if err := ds.Save(path); err != nil {
			return nil, err
		}
		if sets[i], err = train.LoadData(path); err != nil {
			return nil, err
		}
	}
	if bc.Threads > 0 {
		numeric.SetBLASThreads(bc.Threads)
	}
	rep := &TrainReport{Config: bc, Version: version.Full(), BLAS: numeric.BLASName()}
	cfg := bc.Train
	cfg.Depth = bc.Depth
	// Steady state: from 200 steps into the last stage to its last step,
	// so that no evaluation (between stages) falls inside the window.
	var early runtime.MemStats
	stages := cfg.StageSteps()
	last := stages[len(stages)-1]
	mark := 0
	opt := train.Options{Progress: func(done, tot int) {
		switch done {
		case tot - last + min(200, last/4):
			mark = done
			runtime.GC()
			runtime.ReadMemStats(&early)
			rep.HeapEarlyMB, rep.RSSEarlyMB = float64(early.HeapAlloc)/(1<<20), rssMB()
		case tot - 1:
			var late runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&late)
			rep.HeapLateMB, rep.RSSLateMB = float64(late.HeapAlloc)/(1<<20), rssMB()
			rep.AllocsPerStep = float64(late.Mallocs-early.Mallocs) / float64(tot-1-mark)
		}
	}}
	res, err := train.Run(ctx, cfg, sets[0], sets[1], opt)
	if err != nil {
		return nil, err
	}
	rep.GoSeconds, rep.GoStepsPerSec = res.Metrics.TrainSeconds, res.Metrics.StepsPerSecond
	rep.GoRelMSE = *res.Metrics.TestRelMSE
	args := []string{script, "bench", "--train", filepath.Join(dir, "train.npz"), "--test", filepath.Join(dir, "test.npz"),
		"--mode", cfg.Mode, "--width", strconv.Itoa(cfg.Width), "--steps-per-stage", strconv.Itoa(cfg.StepsPerStage),
		"--batch", strconv.Itoa(cfg.Batch), "--lr", strconv.FormatFloat(cfg.LR, 'g', -1, 64),
		"--seed", strconv.FormatUint(cfg.Seed, 10), "--dtype", cfg.DType, "--clip", strconv.FormatFloat(cfg.ClipNorm(), 'g', -1, 64)}
	if cfg.Recipe == train.RecipePlateau {
		args = append(args, "--recipe", train.RecipePlateau, "--cycle", strconv.Itoa(cfg.Cycle), "--patience", strconv.Itoa(cfg.Patience),
			"--step-cap", strconv.Itoa(cfg.StepCap), "--restarts", strconv.Itoa(cfg.Restarts),
			"--val-fraction", strconv.FormatFloat(cfg.ValFraction, 'g', -1, 64))
	}
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", script, err, stderr.String())
	}
	var tr struct {
		Seconds     float64 `json:"seconds"`
		TestRelMSE  float64 `json:"test_rel_mse"`
		StepsPerSec float64 `json:"steps_per_second"`
		RSSStart    float64 `json:"rss_mb_start"`
		RSSEnd      float64 `json:"rss_mb_end"`
	}
	line := bytes.TrimSpace(out)
	if err := json.Unmarshal(line, &tr); err != nil {
		return nil, fmt.Errorf("%s printed %q: %w", script, line, err)
	}
	rep.Torch = json.RawMessage(line)
	rep.TorchSeconds, rep.TorchRelMSE, rep.TorchStepsPerS = tr.Seconds, tr.TestRelMSE, tr.StepsPerSec
	rep.TorchRSSStartMB, rep.TorchRSSEndMB = tr.RSSStart, tr.RSSEnd
	rep.Ratio = rep.GoSeconds / rep.TorchSeconds
	return rep, nil
}

// rssMB is this process's resident set size (Linux; 0 elsewhere).
func rssMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
