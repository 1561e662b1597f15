package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/numeric"
	"github.com/hierlearn/hierlearn/internal/reftools"
	"github.com/hierlearn/hierlearn/internal/version"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// KernelRow is one size of the scikit-learn comparison.
type KernelRow struct {
	N          int     `json:"n"`
	D          int     `json:"d"`
	NTest      int     `json:"n_test"`
	Ours       float64 `json:"ours_s"` // fit + predict, seconds
	Gram       float64 `json:"ours_gram_s"`
	Sklearn    float64 `json:"sklearn_s"` // KernelRidge fit + predict, seconds
	Repeat     int     `json:"repeat"`    // rounds; times are the minimum
	Ratio      float64 `json:"ratio"`     // ours / sklearn
	MaxRelDiff float64 `json:"max_rel_diff"`
}

// KernelReport is the output of Sklearn.
type KernelReport struct {
	Kernel  string      `json:"kernel"`
	Ridge   float64     `json:"ridge"`
	Target  float64     `json:"target_ratio"`
	Rows    []KernelRow `json:"rows"`
	BLAS    string      `json:"blas"`
	Seed    uint64      `json:"seed"`
	Version string      `json:"version"`
}

// KernelTargetRatio is the speed target: our time at most this share of
// scikit-learn's.
const KernelTargetRatio = 0.6

// Sklearn times exact RBF kernel ridge regression (fit + predict on
// nTest points, fixed ridge 1e-3) against scikit-learn 1.2's KernelRidge
// on the same data in the same run, for each n, and checks that the two
// predictions agree. Progress and the table go to w.
//
// Each of the repeat rounds runs scikit-learn then ours; the minimum time
// of each is reported, the usual estimate on a machine shared with other
// work.
func Sklearn(w io.Writer, sizes []int, d, nTest, repeat int, seed uint64) (*KernelReport, error) {
	repeat = max(repeat, 1)
	py, err := reftools.Python("numpy", "sklearn")
	if err != nil {
		return nil, err
	}
	tool, err := reftools.Tool("kernel_ref.py")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hierlearn-bench-kernel-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	const ridge = 1e-3 // relative; for RBF tr(K)/n = 1, so also absolute
	rep := &KernelReport{Kernel: "rbf", Ridge: ridge, Target: KernelTargetRatio, BLAS: numeric.BLASName(), Seed: seed, Version: version.Full()}
	fmt.Fprintf(w, "exact RBF KRR, d=%d, %d test points, ridge %g, min of %d rounds; BLAS %s\n", d, nTest, ridge, repeat, numeric.BLASName())
	fmt.Fprintf(w, "%8s %10s %10s %12s %8s %12s\n", "n", "ours_s", "(gram_s)", "sklearn_s", "ratio", "max_rel_diff")
	for _, n := range sizes {
		x := gaussian64(n, d, seed)
		xt := gaussian64(nTest, d, seed+1)
		y := make([]float64, n)
		for i := range y {
			r := x.Row(i)
			y[i] = r[0]*r[1] + math.Sin(r[2]) + 0.1*r[3]
		}
		z := npy.NewArchive()
		z.Add("x_train", npy.NewFloat64(x.Data, n, d))
		z.Add("y_train", npy.NewFloat64(y, n))
		z.Add("x_test", npy.NewFloat64(xt.Data, nTest, d))
		in, out := filepath.Join(dir, "in.npz"), filepath.Join(dir, "out.npz")
		if err := npy.WriteNPZ(in, z); err != nil {
			return nil, err
		}
		row := KernelRow{N: n, D: d, NTest: nTest, Repeat: repeat, Ours: math.Inf(1), Sklearn: math.Inf(1)}
		for r := 0; r < repeat; r++ {
			// scikit-learn first, then ours: each gets the machine alone.
			sk, refPred, err := runSklearnBench(py, tool, in, out, ridge)
			if err != nil {
				return nil, fmt.Errorf("scikit-learn bench at n=%d: %w", n, err)
			}
			t0 := time.Now()
			train := &concept.Dataset{Task: concept.TaskRegression, N: n, D: d, X: x.Data, Y: y}
			res, err := kernel.Fit(kernel.RBF{}, train, kernel.Options{Ridge: ridge})
			if err != nil {
				return nil, err
			}
			pred, err := res.Predictor.Predict(xt)
			if err != nil {
				return nil, err
			}
			row.Ours = math.Min(row.Ours, time.Since(t0).Seconds())
			row.Sklearn = math.Min(row.Sklearn, sk)
			row.MaxRelDiff = math.Max(row.MaxRelDiff, relDiffSlices(pred.Data, refPred))
			runtime.GC()
		}
		row.Ratio = row.Ours / row.Sklearn
		// The Gram build alone, for the breakdown.
		t1 := time.Now()
		g := make([]float64, n*n)
		if err := kernel.SymGram(kernel.RBF{}, x, g); err != nil {
			return nil, err
		}
		row.Gram = time.Since(t1).Seconds()
		runtime.GC()
		rep.Rows = append(rep.Rows, row)
		fmt.Fprintf(w, "%8d %10.2f %10.2f %12.2f %8.2f %12.2g\n", n, row.Ours, row.Gram, row.Sklearn, row.Ratio, row.MaxRelDiff)
	}
	fmt.Fprintf(w, "target: ratio <= %.1f (timings on a shared machine are noisy)\n", KernelTargetRatio)
	return rep, nil
}

// runSklearnBench runs one scikit-learn fit + predict and returns its
// time and predictions.
func runSklearnBench(py, tool, in, out string, ridge float64) (float64, []float64, error) {
	cmd := exec.Command(py, tool, "bench", in, out, "--kernel", "rbf", "--ridge", fmt.Sprint(ridge))
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		return 0, nil, err
	}
	var sk struct {
		Times []float64 `json:"fit_predict_s"`
	}
	if err := json.Unmarshal(raw, &sk); err != nil || len(sk.Times) == 0 {
		return 0, nil, fmt.Errorf("output %q: %v", raw, err)
	}
	ref, err := npy.ReadNPZ(out)
	if err != nil {
		return 0, nil, err
	}
	pred, err := ref.Get("pred")
	if err != nil {
		return 0, nil, err
	}
	return sk.Times[0], pred.Float64s(), nil
}

// gaussian64 draws n x d normals from the kernel package's stream of seed.
func gaussian64(n, d int, seed uint64) kernel.Matrix {
	rng := rand.New(rand.NewPCG(seed, 0x62656e6368))
	m := kernel.NewMatrix(n, d)
	for i := range m.Data {
		m.Data[i] = rng.NormFloat64()
	}
	return m
}

func relDiffSlices(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var num, den float64
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	return num / den
}

// SweepRow is one (kernel, n) cell of ConceptSweep.
type SweepRow struct {
	Kernel     string  `json:"kernel"`
	N          int     `json:"n_train"`
	Ridge      float64 `json:"ridge"`
	ValLoss    float64 `json:"val_loss"`
	ValRel     float64 `json:"val_rel_mse"`
	RelMSE     float64 `json:"test_rel_mse"`
	Method     string  `json:"method"`
	FitSeconds float64 `json:"fit_seconds"`
	Error      string  `json:"error,omitempty"`
}

// SweepReport is the output of ConceptSweep, with its configuration.
type SweepReport struct {
	Concept concept.Spec `json:"concept"`
	Kernels []string     `json:"kernels"`
	Sizes   []int        `json:"n_train"`
	NTest   int          `json:"n_test"`
	Seed    uint64       `json:"seed"`
	Method  string       `json:"method"`
	Rows    []SweepRow   `json:"rows"`
	BLAS    string       `json:"blas"`
	Version string       `json:"version"`
}

// ConceptSweep fits every kernel with the ridge chosen on validation data
// to samples of the concept spec of each size, scores it on nTest fresh
// points, and prints a table to w. Train samples use seed, the test
// sample seed+1000.
func ConceptSweep(w io.Writer, spec concept.Spec, kernels []string, sizes []int, nTest int, seed uint64, method string) (*SweepReport, error) {
	c, err := concept.New(spec)
	if err != nil {
		return nil, err
	}
	testDS, err := c.Sample(nTest, seed+1000)
	if err != nil {
		return nil, err
	}
	test := testDS
	opt := kernel.Options{Seed: seed}
	if err := opt.ParseMethod(method); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "concept d=%d L=%d widths=%v alpha=%v skip=%s seed=%d; test n=%d; ridge chosen on a 20%% validation split\n",
		spec.D, spec.Layers, spec.Widths, spec.Alpha, spec.Skip, spec.Seed, nTest)
	fmt.Fprintf(w, "%-14s %7s %9s %12s %10s %9s\n", "kernel", "n", "ridge", "val_rel_mse", "test_rel", "fit_s")
	rep := &SweepReport{Concept: spec, Kernels: kernels, Sizes: sizes, NTest: nTest, Seed: seed, Method: method,
		BLAS: numeric.BLASName(), Version: version.Full()}
	for _, n := range sizes {
		ds, err := c.Sample(n, seed)
		if err != nil {
			return nil, err
		}
		for _, ks := range kernels {
			row := SweepRow{Kernel: ks, N: n}
			k, err := kernel.Parse(ks, seed)
			if err != nil {
				return nil, err
			}
			res, err := kernel.Fit(k, ds, opt)
			if err == nil {
				var pred kernel.Matrix
				if pred, err = res.Predictor.Predict(kernel.Inputs(test)); err == nil {
					var m kernel.Metrics
					if m, err = kernel.Score(pred, test); err == nil {
						row.Ridge, row.RelMSE, row.Method, row.FitSeconds = res.Ridge, m.RelMSE, res.Method, res.FitSeconds
						for _, g := range res.Grid {
							if g.Ridge == res.Ridge {
								row.ValLoss, row.ValRel = g.ValLoss, g.ValRel
							}
						}
					}
				}
			}
			if err != nil {
				row.Error = err.Error()
				fmt.Fprintf(w, "%-14s %7d  error: %v\n", ks, n, err)
			} else {
				fmt.Fprintf(w, "%-14s %7d %9.0e %12.4g %10.4g %9.1f\n", ks, n, row.Ridge, row.ValRel, row.RelMSE, row.FitSeconds)
			}
			rep.Rows = append(rep.Rows, row)
		}
	}
	return rep, nil
}
