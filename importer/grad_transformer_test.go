package importer

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// layerNormNodes is the decomposed layer normalization that torch writes
// before opset 17 (fuseLayerNorm's pattern), of X over its last axis.
func layerNormNodes() []*onnxpb.NodeProto {
	return []*onnxpb.NodeProto{
		node("ReduceMean", []string{"X"}, []string{"m"}, aInts("axes", -1)),
		node("Sub", []string{"X", "m"}, []string{"d"}),
		node("Pow", []string{"d", "two"}, []string{"p"}),
		node("ReduceMean", []string{"p"}, []string{"v"}, aInts("axes", -1)),
		node("Add", []string{"v", "eps"}, []string{"ve"}),
		node("Sqrt", []string{"ve"}, []string{"s"}),
		node("Div", []string{"d", "s"}, []string{"n"}),
		node("Mul", []string{"n", "g"}, []string{"ng"}),
		node("Add", []string{"ng", "b"}, []string{"Y"}),
	}
}

// geluNodes is torch's Erf form of GELU (fuseGelu's pattern).
func geluNodes() []*onnxpb.NodeProto {
	return []*onnxpb.NodeProto{
		node("Div", []string{"X", "sqrt2"}, []string{"a"}),
		node("Erf", []string{"a"}, []string{"e"}),
		node("Add", []string{"e", "one"}, []string{"c"}),
		node("Mul", []string{"X", "c"}, []string{"xc"}),
		node("Mul", []string{"xc", "half"}, []string{"Y"}),
	}
}

// geluTanhNodes is torch's form of F.gelu(approximate="tanh") at opset 14.
func geluTanhNodes() []*onnxpb.NodeProto {
	return []*onnxpb.NodeProto{
		node("Mul", []string{"X", "X"}, []string{"sq"}),
		node("Mul", []string{"X", "sq"}, []string{"cube"}),
		node("Mul", []string{"k", "cube"}, []string{"kc"}),
		node("Add", []string{"X", "kc"}, []string{"in"}),
		node("Mul", []string{"s", "in"}, []string{"z"}),
		node("Tanh", []string{"z"}, []string{"t"}),
		node("Add", []string{"one", "t"}, []string{"c"}),
		node("Mul", []string{"X", "c"}, []string{"xc"}),
		node("Mul", []string{"half", "xc"}, []string{"Y"}),
	}
}

func geluTanhConsts() []*onnxpb.TensorProto {
	return []*onnxpb.TensorProto{floatInit("k", []float32{0.044715}), floatInit("s", []float32{0.7978845834732056}),
		floatInit("one", []float32{1}), floatInit("half", []float32{0.5})}
}

func geluConsts() []*onnxpb.TensorProto {
	return []*onnxpb.TensorProto{floatInit("sqrt2", []float32{math.Sqrt2}), floatInit("one", []float32{1}), floatInit("half", []float32{0.5})}
}

// transformerGradCases adds the operators of transformer encoders to
// gradCases' table.
func transformerGradCases(r *rand.Rand, add func(gradCase), one func(string, []string, ...*onnxpb.AttributeProto) []*onnxpb.NodeProto) {
	add(gradCase{name: "LayerNormalization", opset: 17, xShape: []int64{2, 3, 4}, nodes: one("LayerNormalization", []string{"X", "g", "b"}),
		inits: []*onnxpb.TensorProto{fi(r, "g", true, 4), fi(r, "b", false, 4)}, params: []string{"g", "b"}})
	add(gradCase{name: "LayerNormalization/axis1,no bias", opset: 17, xShape: []int64{2, 3, 2},
		nodes: one("LayerNormalization", []string{"X", "g"}, aInt("axis", 1), aFloat("epsilon", 0.01)),
		inits: []*onnxpb.TensorProto{fi(r, "g", true, 3, 2)}, params: []string{"g"}})
	add(gradCase{name: "LayerNormalization/decomposed,fused", xShape: []int64{3, 5}, nodes: layerNormNodes(),
		inits:  []*onnxpb.TensorProto{floatInit("two", []float32{2}), floatInit("eps", []float32{1e-5}), fi(r, "g", true, 5), fi(r, "b", false, 5)},
		params: []string{"g", "b"}})
	add(gradCase{name: "Gelu/erf form,fused", xShape: []int64{3, 5}, nodes: geluNodes(), inits: geluConsts()})
	add(gradCase{name: "Gelu/tanh form,fused", xShape: []int64{3, 5}, nodes: geluTanhNodes(), inits: geluTanhConsts()})
	add(gradCase{name: "MatMul/broadcast batch", xShape: []int64{2, 1, 3, 4}, nodes: one("MatMul", []string{"X", "W"}),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 3, 4, 5)}, params: []string{"W"}})
	add(gradCase{name: "Softmax/last axis", xShape: []int64{2, 3, 4}, nodes: one("Softmax", []string{"X"})})
}

// TestFuseTransformerPatterns: the decomposed LayerNorm and the Erf form
// of GELU become one node each and compute what the unfused graph does.
func TestFuseTransformerPatterns(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cases := []struct {
		name  string
		nodes []*onnxpb.NodeProto
		inits []*onnxpb.TensorProto
		fused string
		keep  string // an intermediate value that stops the fusion when it is an output
	}{
		{"layernorm", layerNormNodes(), []*onnxpb.TensorProto{floatInit("two", []float32{2}), floatInit("eps", []float32{1e-5}),
			fi(r, "g", true, 6), fi(r, "b", false, 6)}, "LayerNormalization", "d"},
		{"gelu", geluNodes(), geluConsts(), "Gelu", "e"},
		{"gelu tanh", geluTanhNodes(), geluTanhConsts(), "Gelu", "cube"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := model(13, c.nodes, c.inits, []*onnxpb.ValueInfoProto{vinfo("X", onnxpb.TensorProto_FLOAT, 4, 6)}, outInfo("Y"))
			m, err := LoadBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.nodes) != 1 || m.nodes[0].Op != c.fused {
				t.Fatalf("nodes after load: %v, want one %s", opsOf(m.nodes), c.fused)
			}
			x := make([]float32, 24)
			for i := range x {
				x[i] = float32(r.NormFloat64() * 2)
			}
			in := map[string]*Tensor{"X": {DType: Float32, Shape: []int{4, 6}, F: x}}
			got, err := NewSession(m).Run(in)
			if err != nil {
				t.Fatal(err)
			}
			// The same graph with an intermediate value as a second
			// output: the pattern no longer matches, nothing is fused.
			um, err := LoadBytes(model(13, c.nodes, c.inits, []*onnxpb.ValueInfoProto{vinfo("X", onnxpb.TensorProto_FLOAT, 4, 6)}, outInfo("Y", c.keep)))
			if err != nil {
				t.Fatal(err)
			}
			if len(um.nodes) == 1 {
				t.Fatalf("fused although %s is an output", c.keep)
			}
			want, err := NewSession(um).Run(in)
			if err != nil {
				t.Fatal(err)
			}
			const tol = 2e-6 // relative; measured: 8.4e-8 (layernorm), 7.0e-8 (gelu), 2.4e-7 (gelu tanh)
			for i, v := range want["Y"].F {
				if d := math.Abs(float64(got["Y"].F[i] - v)); d > tol*(1+math.Abs(float64(v))) {
					t.Fatalf("element %d: fused %v, unfused %v", i, got["Y"].F[i], v)
				}
			}
		})
	}
}

func opsOf(nodes []*Node) []string {
	var s []string
	for _, n := range nodes {
		s = append(s, n.Op)
	}
	return s
}

// TestPlanCacheLRU: the plan cache keeps the most recently used plans.
func TestPlanCacheLRU(t *testing.T) {
	c := newPlanCache[int]()
	for i := 0; i < maxPlans; i++ {
		c.put(string(rune('a'+i)), i)
	}
	if _, ok := c.get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put("new", 99)
	if c.len() != maxPlans {
		t.Fatalf("%d plans, want %d", c.len(), maxPlans)
	}
	if _, ok := c.get("b"); ok {
		t.Error("b, the least recently used, was kept")
	}
	for _, k := range []string{"a", "c", "new"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s was dropped", k)
		}
	}
}
