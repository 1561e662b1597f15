package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/version"
	"github.com/hierlearn/hierlearn/train"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// ErrRun is wrapped by Run's errors about a missing or unusable run
// directory.
var ErrRun = errors.New("cannot export run")

// Run exports the trained model of a `hierlearn train` run directory
// (model.json, with config.json and metrics.json when present) at the
// given opset.
//
// An HNet becomes a graph with input x [N,d] (float32) and outputs y [N]
// (F(x), every output term on, as train.HNet.Predict computes it) and the
// hidden features s2..sL [N,k'_l]; the quadratic lifts R_l and the
// running-statistics normalisation (mean, sqrt(var + eps)) are constants.
// Every training mode saves the same model layout, so one exporter covers
// them all. An MLP becomes Gemm/Relu layers with output y [N]. A kernel
// run (predictor.npz instead of model.json) becomes the graph of
// KernelGraph.
//
// The metadata carries the run's config.json and metrics.json (compact
// JSON), its seed, the learner and mode, the version that trained it and
// the version that exported it.
func Run(runDir string, opset int) (*Model, error) {
	if err := CheckOpset(opset); err != nil {
		return nil, err
	}
	st, err := os.Stat(runDir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRun, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a run directory", ErrRun, runDir)
	}
	var g *Graph
	switch {
	case exists(filepath.Join(runDir, train.ModelFile)):
		g, err = learnerGraph(runDir, opset)
	case exists(filepath.Join(runDir, kernel.PredictorFile)):
		g, err = kernelRunGraph(runDir, opset)
	default:
		return nil, fmt.Errorf("%w: %s holds neither %s (HNet, MLP) nor %s (kernel predictor)", ErrRun, runDir, train.ModelFile, kernel.PredictorFile)
	}
	if err != nil {
		return nil, err
	}
	g.SetMetadata("source", "run "+filepath.Base(filepath.Clean(runDir)))
	for _, f := range []struct{ file, key string }{{train.ConfigFile, "config"}, {train.MetricsFile, "metrics"}} {
		b, err := os.ReadFile(filepath.Join(runDir, f.file))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrRun, err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrRun, filepath.Join(runDir, f.file), err)
		}
		g.SetMetadata(f.key, compact.String())
		var head struct {
			Seed    *uint64 `json:"seed"`
			Mode    string  `json:"mode"`
			Version string  `json:"version"`
		}
		if json.Unmarshal(b, &head) == nil && f.key == "config" {
			if head.Seed != nil {
				g.SetMetadata("seed", strconv.FormatUint(*head.Seed, 10))
			}
			if head.Mode != "" {
				g.SetMetadata("mode", head.Mode)
			}
			if head.Version != "" {
				g.SetMetadata("trained_with_version", head.Version)
			}
		}
	}
	g.SetMetadata("hierlearn_version", version.Full())
	return g.Build()
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// learnerGraph loads model.json of a run directory and builds its graph.
func learnerGraph(runDir string, opset int) (*Graph, error) {
	model, err := train.LoadModel(runDir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRun, err)
	}
	var g *Graph
	switch m := model.(type) {
	case *train.HNet:
		g, err = HNetGraph(m, opset)
	case *train.MLP:
		g, err = MLPGraph(m, opset)
	default:
		err = fmt.Errorf("model type %T not supported", model)
	}
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrRun, runDir, err)
	}
	return g, nil
}

// kernelRunGraph loads predictor.npz of a run directory and builds its
// graph, with the predictor's own metadata (kernel, seed, version).
func kernelRunGraph(runDir string, opset int) (*Graph, error) {
	path := filepath.Join(runDir, kernel.PredictorFile)
	p, err := kernel.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRun, err)
	}
	g, err := KernelGraph(p, opset)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrRun, runDir, err)
	}
	z, err := npy.ReadNPZ(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRun, err)
	}
	if a, err := z.Get("meta"); err == nil {
		if raw, err := a.Bytes(); err == nil {
			var compact bytes.Buffer
			if json.Compact(&compact, raw) == nil {
				g.SetMetadata("predictor_meta", compact.String())
			}
			var meta kernel.PredictorMeta
			if json.Unmarshal(raw, &meta) == nil {
				g.SetMetadata("seed", strconv.FormatUint(meta.Seed, 10))
				g.SetMetadata("trained_with_version", meta.Version)
			}
		}
	}
	return g, nil
}

// hName is the graph name of the HNet input H_j: x itself for j = 0.
func hName(j int) string {
	if j == 0 {
		return "x"
	}
	return "H" + strconv.Itoa(j)
}

// HNetGraph builds the graph of a trained HNet (see Run); the caller may
// add metadata before Build.
func HNetGraph(h *train.HNet, opset int) (*Graph, error) {
	if err := CheckOpset(opset); err != nil {
		return nil, err
	}
	a := h.Arch
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if len(h.Layers) != a.L-1 || len(h.A) != a.L-1 {
		return nil, fmt.Errorf("hnet: depth %d but %d layers and %d output weights", a.L, len(h.Layers), len(h.A))
	}
	g := NewGraph("hnet")
	g.SetOpset(opset)
	g.SetDoc(fmt.Sprintf("hierlearn HNet: d=%d L=%d widths=%v skips=%v, trained in %s", a.D, a.L, a.Widths, a.Skips, h.DType))
	g.SetMetadata("learner", "hnet")
	x := g.Input("x", dtype.Float32, Batch, int64(a.D))
	sq := g.Node("Mul", "H1/x_squared", []string{x, x})
	cen := g.Node("Sub", "H1/centre", []string{sq, scalar(g, "const/one", 1)})
	g.Node("Mul", "H1", []string{cen, scalar(g, "const/inv_sqrt2", 1/math.Sqrt2)}, Doc("H_1 = (x*x - 1)/sqrt(2)"))
	axes := Initializer(g, "const/axis1", []int64{1}, 1)
	var terms []string
	for l := 2; l <= a.L; l++ {
		ly := h.Layers[l-2]
		pfx := "layer" + strconv.Itoa(l) + "/"
		k, fan := a.Width(l), a.FanIn(l)
		K, err := flat(ly.K, k, fan)
		if err != nil {
			return nil, fmt.Errorf("hnet layer %d K: %w", l, err)
		}
		var pre string
		col := 0
		for _, j := range a.Skip(l) {
			dim := a.InDim(j)
			block := make([]float32, dim*k) // [dim, k]: K[:, col:col+dim] transposed
			for r := range k {
				for q := range dim {
					block[q*k+r] = float32(K[r*fan+col+q])
				}
			}
			col += dim
			w := Initializer(g, fmt.Sprintf("%sK_from_%s", pfx, hName(j)), block, int64(dim), int64(k))
			part := g.Node("MatMul", pfx+"from_"+hName(j), []string{hName(j), w}, Doc(fmt.Sprintf("K_%d block of H_%d", l, j)))
			if pre == "" {
				pre = part
			} else {
				pre = g.Node("Add", pfx+"sum_to_"+hName(j), []string{pre, part})
			}
		}
		s := g.Node("Identity", fmt.Sprintf("s%d", l), []string{pre}, Doc(fmt.Sprintf("S_%d = K_%d [H_j for j in J_%d]", l, l, l)))
		ss := g.Node("Mul", pfx+"S_squared", []string{s, s})
		sum := g.Node("ReduceSum", pfx+"sum_S_squared", []string{ss, axes}, Int("keepdims", 0), Doc(fmt.Sprintf("Sum(S_%d * S_%d)", l, l)))
		terms = append(terms, g.Node("Mul", pfx+"term", []string{sum, scalar(g, pfx+"a", h.A[l-2])}, Doc(fmt.Sprintf("a_%d Sum(S_%d * S_%d)", l, l, l))))
		if l == a.L {
			continue
		}
		m := a.LiftDim(l)
		R, err := flat(ly.R, m, k)
		if err != nil {
			return nil, fmt.Errorf("hnet layer %d R: %w", l, err)
		}
		if len(ly.NormMean) != m || len(ly.NormVar) != m {
			return nil, fmt.Errorf("hnet layer %d: %d means and %d variances, want %d", l, len(ly.NormMean), len(ly.NormVar), m)
		}
		rt := Initializer(g, pfx+"R", transposed(R, m, k), int64(k), int64(m))
		lift := g.Node("MatMul", pfx+"lift", []string{s, rt}, Doc(fmt.Sprintf("R_%d S_%d (fixed random lift)", l, l)))
		lsq := g.Node("Mul", pfx+"lift_squared", []string{lift, lift})
		std := make([]float64, m)
		for i, v := range ly.NormVar {
			if !(v >= 0) {
				return nil, fmt.Errorf("hnet layer %d: normalisation variance %d is %v", l, i, v)
			}
			std[i] = math.Sqrt(v + h.NormEps)
		}
		c := g.Node("Sub", hName(l)+"/centre", []string{lsq, Initializer(g, pfx+"norm_mean", f32(ly.NormMean), int64(m))})
		g.Node("Div", hName(l), []string{c, Initializer(g, pfx+"norm_std", f32(std), int64(m))},
			Doc(fmt.Sprintf("H_%d = ((R_%d S_%d)^2 - mean) / sqrt(var + %g), running statistics as constants", l, l, l, h.NormEps)))
	}
	terms = append(terms, scalar(g, "out/b", h.B))
	g.Node("Identity", "y", []string{sumNodes(g, "F", terms)}, Doc("F(x) = b + sum_l a_l Sum(S_l * S_l)"))
	g.Output("y", dtype.Float32, "F(x)", Batch)
	for l := 2; l <= a.L; l++ {
		g.Output(fmt.Sprintf("s%d", l), dtype.Float32, fmt.Sprintf("hidden features S_%d", l), Batch, int64(a.Width(l)))
	}
	return g, nil
}

// MLPGraph builds the graph of a trained ReLU MLP (see Run).
func MLPGraph(p *train.MLP, opset int) (*Graph, error) {
	if err := CheckOpset(opset); err != nil {
		return nil, err
	}
	n := len(p.Sizes)
	if n < 2 || len(p.Layers) != n-1 || p.Sizes[n-1] != 1 {
		return nil, fmt.Errorf("mlp: sizes %v with %d layers", p.Sizes, len(p.Layers))
	}
	if p.Activation != "relu" {
		return nil, fmt.Errorf("mlp: activation %q not supported (want relu)", p.Activation)
	}
	g := NewGraph("mlp")
	g.SetOpset(opset)
	g.SetDoc(fmt.Sprintf("hierlearn ReLU MLP: sizes %v, trained in %s", p.Sizes, p.DType))
	g.SetMetadata("learner", "mlp")
	h := g.Input("x", dtype.Float32, Batch, int64(p.Sizes[0]))
	for i, ly := range p.Layers {
		in, out := p.Sizes[i], p.Sizes[i+1]
		W, err := flat(ly.W, out, in)
		if err != nil {
			return nil, fmt.Errorf("mlp layer %d W: %w", i+1, err)
		}
		if len(ly.B) != out {
			return nil, fmt.Errorf("mlp layer %d: %d biases, want %d", i+1, len(ly.B), out)
		}
		pfx := fmt.Sprintf("fc%d/", i+1)
		w := Initializer(g, pfx+"W", f32(W), int64(out), int64(in))
		b := Initializer(g, pfx+"b", f32(ly.B), int64(out))
		h = g.Node("Gemm", pfx+"affine", []string{h, w, b}, Int("transB", 1), Doc(fmt.Sprintf("x W_%d^T + b_%d", i+1, i+1)))
		if i < len(p.Layers)-1 {
			h = g.Node("Relu", pfx+"relu", []string{h})
		}
	}
	shape := Initializer(g, "const/shape_N", []int64{-1}, 1)
	g.Node("Reshape", "y", []string{h, shape}, Doc("[N,1] -> [N]"))
	g.Output("y", dtype.Float32, "network output", Batch)
	return g, nil
}

// flat checks that m is rows x cols and returns it row-major.
func flat(m [][]float64, rows, cols int) ([]float64, error) {
	if len(m) != rows {
		return nil, fmt.Errorf("%d rows, want %d", len(m), rows)
	}
	out := make([]float64, 0, rows*cols)
	for i, r := range m {
		if len(r) != cols {
			return nil, fmt.Errorf("row %d has %d entries, want %d", i, len(r), cols)
		}
		out = append(out, r...)
	}
	return out, nil
}
