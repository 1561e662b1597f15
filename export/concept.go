package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/internal/version"
)

// Concept builds the ONNX graph of a concept target G*: input x [N,d]
// (float32), outputs y [N] (the standardised concept output, what
// Concept.Eval returns) and the hidden features in the order of
// c.HiddenNames(): s2..sL [N,k_l] for the hierarchical quadratic family,
// h1..hD [N,k_l] for the ReLU teacher. For a classification concept y is
// the real-valued output f; the label is sign(y - median) with the median
// in the metadata (key "median").
//
// Weights and constants are rounded to float32 from the concept's float64
// values; the graph mirrors the definition step by step (see
// concept.Layer), with node names such as "layer3/S", "Gc2" and "y_raw"
// so that it reads like the notes in a viewer.
func Concept(c *concept.Concept, opset int) (*Model, error) {
	g, err := ConceptGraph(c, opset)
	if err != nil {
		return nil, err
	}
	return g.Build()
}

// ConceptGraph is Concept before Build, for callers that add metadata.
func ConceptGraph(c *concept.Concept, opset int) (*Graph, error) {
	if err := CheckOpset(opset); err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.New("export concept: nil concept")
	}
	spec := c.Spec()
	g := NewGraph("concept_" + spec.Family)
	g.SetOpset(opset)
	g.SetDoc("hierlearn concept target G*: " + c.Summary())
	specJSON, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("export concept: %w", err)
	}
	g.SetMetadata("source", "concept")
	g.SetMetadata("concept_spec", string(specJSON))
	g.SetMetadata("concept_summary", c.Summary())
	g.SetMetadata("seed", strconv.FormatUint(spec.Seed, 10))
	g.SetMetadata("task", spec.Task)
	g.SetMetadata("out_mean", strconv.FormatFloat(c.OutMean(), 'g', -1, 64))
	g.SetMetadata("out_std", strconv.FormatFloat(c.OutStd(), 'g', -1, 64))
	g.SetMetadata("median", strconv.FormatFloat(c.Median(), 'g', -1, 64))
	if sum, err := conceptChecksum(c); err == nil {
		g.SetMetadata("concept_checksum", sum)
	}
	g.SetMetadata("hierlearn_version", version.Full())

	x := g.Input("x", dtype.Float32, Batch, int64(spec.D))
	var yraw string
	switch spec.Family {
	case concept.FamilyHQ:
		yraw = hqGraph(g, c, x)
	case concept.FamilyReLU:
		yraw = reluGraph(g, c, x)
	default:
		return nil, fmt.Errorf("export concept: unknown family %q", spec.Family)
	}
	centred := g.Node("Sub", "y/centre", []string{yraw, scalar(g, "y/out_mean", c.OutMean())},
		Doc("y_raw - m (m: mean of y_raw on the normalisation samples)"))
	g.Node("Div", "y", []string{centred, scalar(g, "y/out_std", c.OutStd())},
		Doc("(y_raw - m) / s: the standardised concept output"))
	g.Output("y", dtype.Float32, "standardised concept output", Batch)
	for t, name := range c.HiddenNames() {
		g.Output(name, dtype.Float32, "hidden features of layer "+name[1:], Batch, int64(c.Widths()[t]))
	}
	return g, nil
}

// conceptChecksum is the checksum field of the concept's file encoding.
func conceptChecksum(c *concept.Concept) (string, error) {
	b, err := c.MarshalJSON()
	if err != nil {
		return "", err
	}
	var body struct {
		Checksum string `json:"checksum"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return "", err
	}
	return body.Checksum, nil
}

// scalar adds a float32 scalar initializer.
func scalar(g *Graph, name string, v float64) string {
	return Initializer(g, name, []float32{float32(v)})
}

// f32 rounds a float64 slice to float32.
func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// transposed returns the rows x cols row-major matrix w transposed, as
// float32 (MatMul takes [N,in] x [in,out]).
func transposed(w []float64, rows, cols int) []float32 {
	out := make([]float32, len(w))
	for r := range rows {
		for q := range cols {
			out[q*rows+r] = float32(w[r*cols+q])
		}
	}
	return out
}

// gcName is the graph name of the standardised input Gc_j of the hq
// family: x itself for j = 0.
func gcName(j int) string {
	if j == 0 {
		return "x"
	}
	return "Gc" + strconv.Itoa(j)
}

// hqGraph adds the layers of a hierarchical quadratic concept and returns
// the name of y_raw [N].
func hqGraph(g *Graph, c *concept.Concept, x string) string {
	spec := c.Spec()
	sq := g.Node("Mul", "Gc1/x_squared", []string{x, x})
	cen := g.Node("Sub", "Gc1/centre", []string{sq, scalar(g, "const/one", 1)})
	g.Node("Mul", "Gc1", []string{cen, scalar(g, "const/inv_sqrt2", 1/math.Sqrt2)},
		Doc("Gc_1 = (x*x - 1)/sqrt(2)"))
	axes := Initializer(g, "const/axis1", []int64{1}, 1)
	alpha := c.Alpha()
	var terms []string
	for _, ly := range c.Layers() {
		l := ly.L
		pfx := "layer" + strconv.Itoa(l) + "/"
		var pre string
		for b, j := range ly.Inputs {
			w := Initializer(g, fmt.Sprintf("%sW_from_%s", pfx, gcName(j)), transposed(ly.W[b], ly.Rows, ly.Cols[b]), int64(ly.Cols[b]), int64(ly.Rows))
			part := g.Node("MatMul", fmt.Sprintf("%sfrom_%s", pfx, gcName(j)), []string{gcName(j), w},
				Doc(fmt.Sprintf("W_{%d,%d} Gc_%d", l, j, j)))
			if pre == "" {
				pre = part
			} else {
				pre = g.Node("Add", fmt.Sprintf("%ssum_to_%s", pfx, gcName(j)), []string{pre, part})
			}
		}
		sName := fmt.Sprintf("s%d", l)
		s := g.Node("Div", sName, []string{pre, Initializer(g, pfx+"scale", f32(ly.Scale), int64(ly.Rows))},
			Doc(fmt.Sprintf("S_%d = (sum_j W_{%d,j} Gc_j) / s_%d", l, l, l)))
		gl := g.Node("Mul", pfx+"G", []string{s, s}, Doc(fmt.Sprintf("G_%d = S_%d * S_%d", l, l, l)))
		sumsq := g.Node("ReduceSum", pfx+"sum_G", []string{gl, axes}, Int("keepdims", 0),
			Doc(fmt.Sprintf("||S_%d||^2", l)))
		terms = append(terms, g.Node("Mul", pfx+"term", []string{sumsq, scalar(g, pfx+"alpha", alpha[l-2])},
			Doc(fmt.Sprintf("alpha_%d ||S_%d||^2", l, l))))
		if l < spec.Layers {
			cen := g.Node("Sub", gcName(l)+"/centre", []string{gl, Initializer(g, pfx+"mu", f32(ly.Mu), int64(ly.Rows))})
			g.Node("Div", gcName(l), []string{cen, Initializer(g, pfx+"sd", f32(ly.Sd), int64(ly.Rows))},
				Doc(fmt.Sprintf("Gc_%d = (G_%d - mu_%d) / sd_%d", l, l, l, l)))
		}
	}
	return sumNodes(g, "y_raw", terms)
}

// sumNodes adds the values (an Add chain; the last node is named name) and
// returns the name of the sum.
func sumNodes(g *Graph, name string, vals []string) string {
	if len(vals) == 1 {
		return g.Node("Identity", name, vals)
	}
	acc := vals[0]
	for i := 1; i < len(vals); i++ {
		n := name
		if i < len(vals)-1 {
			n = fmt.Sprintf("%s/partial%d", name, i)
		}
		acc = g.Node("Add", n, []string{acc, vals[i]})
	}
	return acc
}

// reluGraph adds the layers of a ReLU teacher and returns y_raw [N].
func reluGraph(g *Graph, c *concept.Concept, x string) string {
	h := x
	for _, ly := range c.Layers() {
		pfx := "layer" + strconv.Itoa(ly.L) + "/"
		w := Initializer(g, pfx+"W", transposed(ly.W[0], ly.Rows, ly.Cols[0]), int64(ly.Cols[0]), int64(ly.Rows))
		pre := g.Node("MatMul", pfx+"pre", []string{h, w})
		h = g.Node("Relu", fmt.Sprintf("h%d", ly.L), []string{pre}, Doc(fmt.Sprintf("h_%d = max(0, W_%d h_%d)", ly.L, ly.L, ly.L-1)))
	}
	a := c.OutWeights()
	return g.Node("MatMul", "y_raw", []string{h, Initializer(g, "out/a", f32(a), int64(len(a)))},
		Doc("y_raw = a . h_D"))
}
