package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hierlearn/hierlearn/internal/atomicfile"
)

// Model file formats.
const (
	HNetFormat = "hierlearn-hnet/1"
	MLPFormat  = "hierlearn-mlp/1"
)

// ModelFile is the name of the model inside a run directory.
const ModelFile = "model.json"

// Model is a trained learner: *HNet or *MLP.
type Model interface {
	// Predict returns F(x) for the rows of x (n x InputDim, row-major),
	// computed in float64 whatever precision the model was trained in.
	Predict(x []float64) ([]float64, error)
	// InputDim is d.
	InputDim() int
}

// HNet is a trained hierarchical learner as saved in model.json. Every
// matrix is a list of rows. For an input x (length D):
//
//	H_0 = x, H_1 = (x*x - 1)/sqrt(2)
//	S_l = K_l [H_j for j in Skips[l-2]]             (Layers[l-2].K: Width(l) x FanIn(l))
//	H_l = ((R_l S_l)^2 - NormMean_l) / sqrt(NormVar_l + NormEps)   for l < L
//	                                                   (Layers[l-2].R: LiftDim(l) x Width(l))
//	F(x) = B + sum over l = 2..L of A[l-2] * sum_i S_l[i]^2
//
// The columns of K_l are the concatenation of the H_j in the order of
// Skips[l-2]; H_j has D columns for j = 0, 1 and LiftDim(j) above.
type HNet struct {
	Format  string `json:"format"`
	Learner string `json:"learner"`
	DType   string `json:"dtype"` // precision it was trained in
	Arch
	Layers  []HNetLayer `json:"layers"`
	NormEps float64     `json:"norm_eps"`
	A       []float64   `json:"a"` // a_2..a_L
	B       float64     `json:"b"`
}

// HNetLayer holds the tensors of layer l.
type HNetLayer struct {
	Layer    int         `json:"layer"`
	K        [][]float64 `json:"K"`
	R        [][]float64 `json:"R,omitempty"`         // l < L only
	NormMean []float64   `json:"norm_mean,omitempty"` // l < L only
	NormVar  []float64   `json:"norm_var,omitempty"`  // l < L only
}

// MLP is a trained ReLU network as saved in model.json: Sizes =
// [d, h_1, ..., h_m, 1]; layer i maps a_i to W_i a_i + B_i (W_i is
// Sizes[i+1] x Sizes[i], a list of rows), followed by ReLU except at the
// output.
type MLP struct {
	Format     string     `json:"format"`
	Learner    string     `json:"learner"`
	DType      string     `json:"dtype"`
	Activation string     `json:"activation"`
	Sizes      []int      `json:"sizes"`
	Layers     []MLPLayer `json:"layers"`
}

// MLPLayer is one affine map of an MLP.
type MLPLayer struct {
	W [][]float64 `json:"W"`
	B []float64   `json:"b"`
}

func rows(flat []float64, r, c int) [][]float64 {
	out := make([][]float64, r)
	for i := range out {
		out[i] = append([]float64(nil), flat[i*c:(i+1)*c]...)
	}
	return out
}

func checkRows(m [][]float64, r, c int, what string) error {
	if len(m) != r {
		return fmt.Errorf("%s has %d rows, want %d", what, len(m), r)
	}
	for i, row := range m {
		if len(row) != c {
			return fmt.Errorf("%s row %d has %d entries, want %d", what, i, len(row), c)
		}
	}
	return nil
}

func flatten(m [][]float64, r, c int, what string) ([]float64, error) {
	if err := checkRows(m, r, c, what); err != nil {
		return nil, err
	}
	out := make([]float64, 0, r*c)
	for _, row := range m {
		out = append(out, row...)
	}
	return out, nil
}

func f64[T Float](x []T) []float64 { return convert[float64](nil, x) }

// hnetModel copies an engine into the saved form.
func hnetModel[T Float](m *hnet[T], dtype string) *HNet {
	a := m.arch
	h := &HNet{Format: HNetFormat, Learner: "hnet", DType: dtype, Arch: a, NormEps: NormEps,
		A: f64(m.params[m.aOff : m.aOff+a.L-1]), B: float64(m.params[m.bOff])}
	for l := 2; l <= a.L; l++ {
		ly := HNetLayer{Layer: l, K: rows(f64(m.k(l)), a.Width(l), a.FanIn(l))}
		if l < a.L {
			ly.R = rows(f64(m.lift[l]), a.LiftDim(l), a.Width(l))
			ly.NormMean, ly.NormVar = f64(m.mean[l]), f64(m.vr[l])
		}
		h.Layers = append(h.Layers, ly)
	}
	return h
}

// hnetEngine copies a saved HNet into an engine of precision T.
func hnetEngine[T Float](h *HNet) (*hnet[T], error) {
	if err := h.Arch.Validate(); err != nil {
		return nil, err
	}
	a := h.Arch
	if len(h.Layers) != a.L-1 || len(h.A) != a.L-1 {
		return nil, fmt.Errorf("hnet: depth %d but %d layers and %d output weights", a.L, len(h.Layers), len(h.A))
	}
	if h.NormEps != NormEps {
		return nil, fmt.Errorf("hnet: norm_eps %v, this version uses %v", h.NormEps, NormEps)
	}
	// Check every shape against the data present before allocating, so
	// that a hostile file cannot ask for a huge engine.
	for l := 2; l <= a.L; l++ {
		ly := h.Layers[l-2]
		if err := checkRows(ly.K, a.Width(l), a.FanIn(l), fmt.Sprintf("layer %d K", l)); err != nil {
			return nil, fmt.Errorf("hnet: %w", err)
		}
		if l < a.L {
			if err := checkRows(ly.R, a.LiftDim(l), a.Width(l), fmt.Sprintf("layer %d R", l)); err != nil {
				return nil, fmt.Errorf("hnet: %w", err)
			}
		}
	}
	m := newHNetEngine[T](a)
	for l := 2; l <= a.L; l++ {
		ly := h.Layers[l-2]
		k, err := flatten(ly.K, a.Width(l), a.FanIn(l), fmt.Sprintf("layer %d K", l))
		if err != nil {
			return nil, fmt.Errorf("hnet: %w", err)
		}
		convert(m.k(l), k)
		if l < a.L {
			r, err := flatten(ly.R, a.LiftDim(l), a.Width(l), fmt.Sprintf("layer %d R", l))
			if err != nil {
				return nil, fmt.Errorf("hnet: %w", err)
			}
			if len(ly.NormMean) != a.LiftDim(l) || len(ly.NormVar) != a.LiftDim(l) {
				return nil, fmt.Errorf("hnet: layer %d normalisation has %d means and %d variances, want %d", l, len(ly.NormMean), len(ly.NormVar), a.LiftDim(l))
			}
			convert(m.lift[l], r)
			convert(m.mean[l], ly.NormMean)
			convert(m.vr[l], ly.NormVar)
			m.inited[l] = true
		}
	}
	convert(m.params[m.aOff:m.aOff+a.L-1], h.A)
	m.params[m.bOff] = T(h.B)
	return m, nil
}

// InputDim is d.
func (h *HNet) InputDim() int { return h.D }

// Predict returns F(x) for the rows of x with every output term on.
func (h *HNet) Predict(x []float64) ([]float64, error) {
	m, err := hnetEngine[float64](h)
	if err != nil {
		return nil, err
	}
	if len(x)%h.D != 0 {
		return nil, fmt.Errorf("hnet: %d input values are not rows of %d", len(x), h.D)
	}
	return predictHNet(m, x, len(x)/h.D, h.L, nil), nil
}

func mlpModel[T Float](m *mlp[T], dtype string) *MLP {
	out := &MLP{Format: MLPFormat, Learner: "mlp", DType: dtype, Activation: "relu", Sizes: append([]int(nil), m.sizes...)}
	for i := 0; i+1 < len(m.sizes); i++ {
		in, o := m.sizes[i], m.sizes[i+1]
		out.Layers = append(out.Layers, MLPLayer{
			W: rows(f64(m.params[m.wOff[i]:m.wOff[i]+in*o]), o, in),
			B: f64(m.params[m.bOff[i] : m.bOff[i]+o])})
	}
	return out
}

func mlpEngine[T Float](p *MLP) (*mlp[T], error) {
	if len(p.Sizes) < 2 || len(p.Layers) != len(p.Sizes)-1 || p.Sizes[len(p.Sizes)-1] != 1 {
		return nil, fmt.Errorf("mlp: sizes %v with %d layers", p.Sizes, len(p.Layers))
	}
	for _, s := range p.Sizes {
		if s < 1 {
			return nil, fmt.Errorf("mlp: sizes %v", p.Sizes)
		}
	}
	for i, ly := range p.Layers {
		if err := checkRows(ly.W, p.Sizes[i+1], p.Sizes[i], fmt.Sprintf("layer %d W", i)); err != nil {
			return nil, fmt.Errorf("mlp: %w", err)
		}
	}
	m := newMLPEngine[T](p.Sizes)
	for i, ly := range p.Layers {
		in, o := p.Sizes[i], p.Sizes[i+1]
		w, err := flatten(ly.W, o, in, fmt.Sprintf("layer %d W", i))
		if err != nil {
			return nil, fmt.Errorf("mlp: %w", err)
		}
		if len(ly.B) != o {
			return nil, fmt.Errorf("mlp: layer %d has %d biases, want %d", i, len(ly.B), o)
		}
		convert(m.params[m.wOff[i]:m.wOff[i]+in*o], w)
		convert(m.params[m.bOff[i]:m.bOff[i]+o], ly.B)
	}
	return m, nil
}

// InputDim is d.
func (p *MLP) InputDim() int { return p.Sizes[0] }

// Predict returns the network's output for the rows of x.
func (p *MLP) Predict(x []float64) ([]float64, error) {
	m, err := mlpEngine[float64](p)
	if err != nil {
		return nil, err
	}
	if len(x)%p.Sizes[0] != 0 {
		return nil, fmt.Errorf("mlp: %d input values are not rows of %d", len(x), p.Sizes[0])
	}
	return predictMLP(m, x, len(x)/p.Sizes[0]), nil
}

// SaveModel writes m to dir/model.json atomically.
func SaveModel(dir string, m Model) error {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return atomicfile.WriteBytes(filepath.Join(dir, ModelFile), append(b, '\n'))
}

// LoadModel reads runDir/model.json (or the file itself when runDir names
// a file) and returns an *HNet or an *MLP.
func LoadModel(runDir string) (Model, error) {
	path := runDir
	if st, err := os.Stat(runDir); err == nil && st.IsDir() {
		path = filepath.Join(runDir, ModelFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	m, err := decodeModel(b)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	return m, nil
}

func decodeModel(b []byte) (Model, error) {
	var head struct {
		Format string `json:"format"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, err
	}
	switch head.Format {
	case HNetFormat:
		var h HNet
		if err := json.Unmarshal(b, &h); err != nil {
			return nil, err
		}
		if _, err := hnetEngine[float64](&h); err != nil {
			return nil, err
		}
		return &h, nil
	case MLPFormat:
		var p MLP
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, err
		}
		if _, err := mlpEngine[float64](&p); err != nil {
			return nil, err
		}
		return &p, nil
	}
	return nil, errors.New("unknown model format " + fmt.Sprintf("%q (want %q or %q)", head.Format, HNetFormat, MLPFormat))
}
