package kernel

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/numeric"
	"github.com/hierlearn/hierlearn/internal/version"
)

// Inputs is the inputs of ds as a Matrix (sharing its array), for
// Predictor.Predict.
func Inputs(ds *concept.Dataset) Matrix { return Matrix{Rows: ds.N, Cols: ds.D, Data: ds.X} }

// dataOf is ds as the solvers see it (sharing its arrays).
func dataOf(ds *concept.Dataset) data {
	return data{Task: ds.Task, X: Matrix{Rows: ds.N, Cols: ds.D, Data: ds.X}, Y: ds.Y, Labels: ds.Labels}
}

// RunConfig is one `hierlearn kernel` run; it is written to config.json.
type RunConfig struct {
	Train       string    `json:"train"`
	Test        string    `json:"test"`
	NTrain      int       `json:"n_train_limit,omitempty"` // use only the first NTrain training rows (0: all)
	Kernel      string    `json:"kernel"`
	Ridge       string    `json:"ridge"` // "auto" or a relative ridge lambda
	Grid        []float64 `json:"grid,omitempty"`
	ValFraction float64   `json:"val_fraction"`
	Method      string    `json:"method"`
	Seed        uint64    `json:"seed"`
	Out         string    `json:"out"`
}

// RunMetrics is metrics.json.
type RunMetrics struct {
	Kernel         string      `json:"kernel"`
	KernelParams   any         `json:"kernel_params"`
	Task           string      `json:"task"`
	NTrain         int         `json:"n_train"`
	NTest          int         `json:"n_test"`
	D              int         `json:"d"`
	Ridge          float64     `json:"ridge"`
	RidgeAbs       float64     `json:"ridge_abs"`
	RidgeChosen    bool        `json:"ridge_chosen_on_validation"`
	Grid           []GridPoint `json:"grid,omitempty"`
	Method         string      `json:"method"`
	Solver         string      `json:"solver,omitempty"`
	CGIterations   int         `json:"cg_iterations,omitempty"`
	Metrics                    // test_rel_mse, test_mse, test_error
	FitSeconds     float64     `json:"fit_seconds"`
	PredictSeconds float64     `json:"predict_seconds"`
	Seed           uint64      `json:"seed"`
	BLAS           string      `json:"blas"`
	Version        string      `json:"version"`
}

// Options turns the configuration into solver options.
func (c RunConfig) Options() (Options, error) {
	opt := Options{Seed: c.Seed, Grid: c.Grid, ValFraction: c.ValFraction}
	switch r := strings.TrimSpace(c.Ridge); r {
	case "auto", "":
	default:
		v, err := strconv.ParseFloat(r, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return opt, fmt.Errorf("--ridge %q: want auto or a positive number", c.Ridge)
		}
		opt.Ridge = v
	}
	if c.ValFraction < 0 || c.ValFraction >= 1 {
		return opt, fmt.Errorf("--val-fraction %v: want a value in (0, 1)", c.ValFraction)
	}
	if err := opt.ParseMethod(c.Method); err != nil {
		return opt, err
	}
	return opt, nil
}

// loadData reads a dataset file for the kernel solver.
func loadData(path, what string) (data, error) {
	ds, err := concept.LoadDataset(path)
	if err != nil {
		return data{}, fmt.Errorf("%s data: %w", what, err)
	}
	d := dataOf(ds)
	if err := d.check(what + " data " + path); err != nil {
		return data{}, err
	}
	return d, nil
}

// Run fits the configured kernel on the training file, scores it on the
// test file and writes config.json, metrics.json and predictor.npz into
// c.Out. Nothing is written when an input is bad.
func Run(c RunConfig) (*RunMetrics, error) {
	if c.Out == "" {
		return nil, fmt.Errorf("no output directory (-o)")
	}
	opt, err := c.Options()
	if err != nil {
		return nil, err
	}
	k, err := Parse(c.Kernel, c.Seed)
	if err != nil {
		return nil, err
	}
	train, err := loadData(c.Train, "train")
	if err != nil {
		return nil, err
	}
	if c.NTrain < 0 {
		return nil, fmt.Errorf("--n-train %d: must be >= 0", c.NTrain)
	}
	if c.NTrain > 0 && c.NTrain < train.X.Rows {
		train = train.subset(seqInts(c.NTrain))
	}
	test, err := loadData(c.Test, "test")
	if err != nil {
		return nil, err
	}
	if train.X.Cols != test.X.Cols {
		return nil, fmt.Errorf("train data has d=%d but test data has d=%d", train.X.Cols, test.X.Cols)
	}
	if train.Task != test.Task {
		return nil, fmt.Errorf("train task %q but test task %q", train.Task, test.Task)
	}
	res, err := fit(k, train, opt)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	pred, err := res.Predictor.Predict(test.X)
	if err != nil {
		return nil, err
	}
	predSec := time.Since(t0).Seconds()
	score, err := score(pred, test)
	if err != nil {
		return nil, err
	}
	m := &RunMetrics{
		Kernel: k.String(), KernelParams: KernelParams(k, train.X.Cols), Task: train.Task,
		NTrain: train.X.Rows, NTest: test.X.Rows, D: train.X.Cols,
		Ridge: res.Ridge, RidgeAbs: res.RidgeAbs, RidgeChosen: opt.Ridge == 0, Grid: res.Grid,
		Method: res.Method, Solver: res.Solver, CGIterations: res.Iterations, Metrics: score,
		FitSeconds: res.FitSeconds, PredictSeconds: predSec, Seed: c.Seed,
		BLAS: numeric.BLASName(), Version: version.Full(),
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, err
	}
	cfg := struct {
		RunConfig
		KernelParams any    `json:"kernel_params"`
		Predictor    string `json:"predictor"`
		Version      string `json:"version"`
	}{c, m.KernelParams, PredictorFile, version.Full()}
	if err := res.Predictor.Save(filepath.Join(c.Out, PredictorFile), c.Seed); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(c.Out, "config.json"), cfg); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(c.Out, "metrics.json"), m); err != nil {
		return nil, err
	}
	return m, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(b, '\n'))
}

func seqInts(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
