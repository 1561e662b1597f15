// Package ortrun runs ONNX models in onnxruntime-node (tools/node/ort_run.js),
// the reference runtime that the importer's tests, `hierlearn validate` and
// `hierlearn bench import` compare against. It is a test and benchmark
// helper: nothing in the library depends on it at run time.
//
//	outs, timing, err := ortrun.Run("model.onnx", inputs, 1, 0, 0) // threads, warm-up, repeat
package ortrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/npyconv"
	"github.com/hierlearn/hierlearn/internal/reftools"
)

// Timing is what ort_run.js reports with --repeat.
type Timing struct {
	TimesMS []float64 `json:"times_ms"`
	RSSMB   float64   `json:"rss_mb"`
	CPUMS   []float64 `json:"cpu_ms"` // per run: process CPU (user+system, all threads)
}

// Run runs model on inputs with the given intra-op thread count and
// returns its outputs by name. With repeat > 0 it also times repeat runs
// after warmup runs.
func Run(model string, inputs map[string]*importer.Tensor, threads, warmup, repeat int) (map[string]*npy.Array, *Timing, error) {
	node, dir, err := reftools.Node()
	if err != nil {
		return nil, nil, err
	}
	tmp, err := os.MkdirTemp("", "ortrun")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	z := npy.NewArchive()
	for name, t := range inputs {
		a, err := npyconv.Array(t)
		if err != nil {
			return nil, nil, err
		}
		z.Add(name, a)
	}
	inPath, outPath := filepath.Join(tmp, "in.npz"), filepath.Join(tmp, "out.npz")
	if err := npy.WriteNPZ(inPath, z); err != nil {
		return nil, nil, err
	}
	args := []string{filepath.Join(dir, "ort_run.js"), model, inPath, outPath, "--threads", strconv.Itoa(threads)}
	if repeat > 0 {
		args = append(args, "--repeat", strconv.Itoa(repeat), "--warmup", strconv.Itoa(warmup))
	}
	cmd := exec.Command(node, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("onnxruntime-node on %s: %v: %s", model, err, bytes.TrimSpace(stderr.Bytes()))
	}
	out, err := npy.ReadNPZ(outPath)
	if err != nil {
		return nil, nil, fmt.Errorf("onnxruntime-node outputs: %w", err)
	}
	var tm *Timing
	if repeat > 0 {
		tm = &Timing{}
		if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), tm); err != nil {
			return nil, nil, fmt.Errorf("onnxruntime-node timing output %q: %w", stdout.String(), err)
		}
	}
	return out.Arrays, tm, nil
}
