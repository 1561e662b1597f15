package importer_test

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/export"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/onnxpb"
	"github.com/hierlearn/hierlearn/internal/ortrun"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// newOpsetFloatTol bounds max|ours - onnxruntime| / max(1, max|onnxruntime|)
// over each float output of the opset 18-21 models. Integer, bool and
// index outputs must match exactly. Measured (AMD EPYC, AVX-512,
// onnxruntime-node 1.30): at most 1.6e-6, from Resize's cubic antialias
// case; TestNewOpsetsMatchOnnxruntime logs it.
const newOpsetFloatTol = 1e-5

// newOpsetCase is one small model at one opset: build declares its inputs
// (random, from the case's seed), its nodes and its outputs through b.
type newOpsetCase struct {
	name  string
	opset int
	build func(b *caseBuilder)
}

// caseBuilder builds one case's nodes into an export.Graph, prefixing every
// value and node name so that all cases of one opset fit in one model.
type caseBuilder struct {
	g      *export.Graph
	prefix string
	rng    *rand.Rand
	in     map[string]*importer.Tensor
	outs   []string
	nodes  int
}

func (b *caseBuilder) name(s string) string { return b.prefix + s }

// floats declares a float32 input of the given shape holding standard
// normal values (plus offset).
func (b *caseBuilder) floats(offset float32, shape ...int) string {
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(b.rng.NormFloat64()) + offset
	}
	return b.floatData(data, shape...)
}

// floatData declares a float32 input holding data.
func (b *caseBuilder) floatData(data []float32, shape ...int) string {
	name := b.name(fmt.Sprintf("in%d", len(b.in)))
	t, err := importer.NewFloat32(data, shape...)
	if err != nil {
		panic(err)
	}
	b.in[name] = t
	b.g.Input(name, dtype.Float32, dims64(shape)...)
	return name
}

// ints declares an int64 input holding data.
func (b *caseBuilder) ints(data []int64, shape ...int) string {
	name := b.name(fmt.Sprintf("in%d", len(b.in)))
	t, err := importer.NewInt64(data, shape...)
	if err != nil {
		panic(err)
	}
	b.in[name] = t
	b.g.Input(name, dtype.Int64, dims64(shape)...)
	return name
}

// constInts adds an int64 initializer (axes, pads, sizes: values the
// importer needs at load time).
func (b *caseBuilder) constInts(data []int64, dims ...int64) string {
	b.nodes++
	return export.Initializer(b.g, b.name(fmt.Sprintf("c%d", b.nodes)), data, dims...)
}

// constFloats adds a float32 initializer.
func (b *caseBuilder) constFloats(data []float32, dims ...int64) string {
	b.nodes++
	return export.Initializer(b.g, b.name(fmt.Sprintf("c%d", b.nodes)), data, dims...)
}

// node adds a node with one output and returns the output's name.
func (b *caseBuilder) node(op string, ins []string, opts ...export.NodeOption) string {
	b.nodes++
	return b.g.Node(op, b.name(fmt.Sprintf("n%d", b.nodes)), ins, opts...)
}

// nodeN adds a node with k outputs and returns their names.
func (b *caseBuilder) nodeN(op string, ins []string, k int, opts ...export.NodeOption) []string {
	b.nodes++
	base := b.name(fmt.Sprintf("n%d", b.nodes))
	outs := make([]string, k)
	for i := range outs {
		outs[i] = fmt.Sprintf("%s_%d", base, i)
	}
	b.g.NodeN(op, base, ins, outs, opts...)
	return outs
}

// out declares v a graph output of element type dt (shape left to the
// runtimes).
func (b *caseBuilder) out(v string, dt dtype.DType) {
	b.g.Output(v, dt, "")
	b.outs = append(b.outs, v)
}

// caseRand is a case's random source, seeded from its opset and name so
// that the case draws the same inputs alone and among the others.
func caseRand(opset int, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(uint64(opset), h.Sum64()))
}

func dims64(shape []int) []int64 {
	d := make([]int64, len(shape))
	for i, v := range shape {
		d[i] = int64(v)
	}
	return d
}

// buildCases builds cases into one model at opset: its bytes, its inputs
// and the names of the outputs of each case.
func buildCases(t *testing.T, opset int, cases []newOpsetCase) ([]byte, map[string]*importer.Tensor, [][]string) {
	t.Helper()
	g := export.NewGraph(fmt.Sprintf("opset%d", opset))
	g.SetOpset(opset)
	in := map[string]*importer.Tensor{}
	var outs [][]string
	for i, c := range cases {
		b := &caseBuilder{g: g, prefix: fmt.Sprintf("c%d_", i), rng: caseRand(opset, c.name), in: in}
		c.build(b)
		outs = append(outs, b.outs)
	}
	m, err := g.Build()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := export.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	// The builder declares output shapes; these outputs' shapes are left to
	// the runtimes' inference.
	var mp onnxpb.ModelProto
	if err := proto.Unmarshal(raw, &mp); err != nil {
		t.Fatal(err)
	}
	for _, o := range mp.Graph.Output {
		o.Type.GetTensorType().Shape = nil
	}
	if raw, err = proto.Marshal(&mp); err != nil {
		t.Fatal(err)
	}
	return raw, in, outs
}

// TestNewOpsetsMatchOnnxruntime builds, with export.Graph, small models at
// opsets 18 to 21 for each supported operator whose definition changed
// there (Reduce* axes inputs, Split num_outputs, Pad axes and wrap,
// Resize axes / keep_aspect_ratio_policy / antialias / half_pixel_symmetric,
// Resize antialias, Scatter* max/min, LpPool ceil_mode, GroupNormalization
// 18 vs 21, AveragePool dilations, Gelu, IsInf/IsNaN, ReduceMax on bool,
// Mish, the bitwise operators, CenterCropPad, per-axis and blocked
// QuantizeLinear/DequantizeLinear, the type
// widening of Cast, Reshape, Shape, Squeeze, Unsqueeze, Flatten,
// Transpose), runs each in Go and all the cases of one opset as one model
// in onnxruntime-node, and compares: integer and bool outputs exactly,
// float outputs to newOpsetFloatTol.
func TestNewOpsetsMatchOnnxruntime(t *testing.T) {
	testutil.Node(t)
	byOpset := map[int][]newOpsetCase{}
	for _, c := range newOpsetCases() {
		byOpset[c.opset] = append(byOpset[c.opset], c)
	}
	opsets := make([]int, 0, len(byOpset))
	for o := range byOpset {
		opsets = append(opsets, o)
	}
	sort.Ints(opsets)
	dir := t.TempDir()
	worst, worstCase := 0.0, ""
	for _, opset := range opsets {
		cases := byOpset[opset]
		raw, in, outs := buildCases(t, opset, cases)
		path := filepath.Join(dir, fmt.Sprintf("opset%d.onnx", opset))
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		ref, _, err := ortrun.Run(path, in, 1, 0, 0)
		if err != nil {
			t.Fatalf("opset %d: %v", opset, err)
		}
		for i, c := range cases {
			t.Run(fmt.Sprintf("opset%d/%s", opset, c.name), func(t *testing.T) {
				// The case alone, as its own model, in Go.
				one, oneIn, oneOuts := buildCases(t, opset, []newOpsetCase{c})
				m, err := importer.LoadBytes(one)
				if err != nil {
					t.Fatal(err)
				}
				got, err := importer.NewSession(m).Run(oneIn)
				if err != nil {
					t.Fatal(err)
				}
				for k, name := range oneOuts[0] {
					r := ref[outs[i][k]]
					d, err := compareNewOpset(got[name], r)
					if err != nil {
						t.Fatalf("output %d: %v", k, err)
					}
					if d > worst {
						worst, worstCase = d, fmt.Sprintf("opset %d %s", opset, c.name)
					}
				}
			})
		}
	}
	t.Logf("largest float difference relative to max(1, max|onnxruntime|): %.3g (%s)", worst, worstCase)
}

// compareNewOpset compares one Go output with onnxruntime's and returns the
// float difference relative to max(1, max|r|) (0 for exact outputs).
func compareNewOpset(g *importer.Tensor, r *npy.Array) (float64, error) {
	if g == nil || r == nil {
		return 0, fmt.Errorf("missing output (Go %v, onnxruntime %v)", g, r)
	}
	if !slices.Equal(g.Shape, r.Shape) {
		return 0, fmt.Errorf("shape %v, onnxruntime %v", g.Shape, r.Shape)
	}
	w := r.Float64s()
	if g.DType != importer.Float32 {
		if r.DType == npy.Float32 || r.DType == npy.Float64 {
			return 0, fmt.Errorf("Go output is %v, onnxruntime's is float", g.DType)
		}
		for i, v := range w {
			if float64(g.I[i]) != v {
				return 0, fmt.Errorf("element %d: %d, onnxruntime %g (exact match required)", i, g.I[i], v)
			}
		}
		return 0, nil
	}
	if r.DType != npy.Float32 {
		return 0, fmt.Errorf("Go output is float32, onnxruntime's is %v", r.DType)
	}
	scale := 1.0
	for _, v := range w {
		if !math.IsInf(v, 0) && !math.IsNaN(v) {
			scale = math.Max(scale, math.Abs(v))
		}
	}
	worst := 0.0
	for i, v := range w {
		x := float64(g.F[i])
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if !(math.IsNaN(v) && math.IsNaN(x)) && x != v {
				return 0, fmt.Errorf("element %d: %g, onnxruntime %g", i, x, v)
			}
			continue
		}
		d := math.Abs(x-v) / scale
		if !(d <= newOpsetFloatTol) {
			return 0, fmt.Errorf("element %d: %g, onnxruntime %g (difference %.3g of max(1, max|out|) %.3g > %g)", i, x, v, d, scale, newOpsetFloatTol)
		}
		worst = math.Max(worst, d)
	}
	return worst, nil
}
