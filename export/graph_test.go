package export

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/export/exporttest"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/onnxpb"
	"github.com/hierlearn/hierlearn/internal/version"
)

// affine builds y = relu(x W + b) * 2 for x [N,3], W [3,2].
func affine(opset int) *Graph {
	g := NewGraph("affine")
	g.SetOpset(opset)
	g.SetDoc("relu(x W + b) * 2")
	g.SetMetadata("seed", "7")
	x := g.Input("x", dtype.Float32, Batch, 3)
	w := Initializer(g, "W", []float32{1, -2, 0.5, 3, -1, 0.25}, 3, 2)
	b := Initializer(g, "b", []float32{0.1, -0.2}, 2)
	two := Initializer(g, "two", []float32{2})
	h := g.Node("MatMul", "xW", []string{x, w}, Doc("x times W"))
	h = g.Node("Add", "xW+b", []string{h, b})
	h = g.Node("Relu", "relu", []string{h})
	y := g.Node("Mul", "y", []string{h, two})
	g.Output(y, dtype.Float32, "the output", Batch, 2)
	return g
}

func affineRef(x []float64) []float64 {
	w := []float64{1, -2, 0.5, 3, -1, 0.25}
	b := []float64{0.1, -0.2}
	n := len(x) / 3
	y := make([]float64, 2*n)
	for i := range n {
		for j := range 2 {
			acc := b[j]
			for k := range 3 {
				acc += x[3*i+k] * w[2*k+j]
			}
			y[2*i+j] = 2 * max(acc, 0)
		}
	}
	return y
}

func TestBuildHeader(t *testing.T) {
	for _, opset := range Opsets {
		m, err := affine(opset).Build()
		if err != nil {
			t.Fatal(err)
		}
		if m.proto.GetProducerName() != "hierlearn" || m.proto.GetProducerVersion() != version.Full() {
			t.Errorf("producer %q %q", m.proto.GetProducerName(), m.proto.GetProducerVersion())
		}
		if want := map[int]int64{13: 7, 17: 8}[opset]; m.proto.GetIrVersion() != want {
			t.Errorf("opset %d: IR version %d, want %d", opset, m.proto.GetIrVersion(), want)
		}
		if len(m.proto.OpsetImport) != 1 || m.proto.OpsetImport[0].GetVersion() != int64(opset) {
			t.Errorf("opset imports %v", m.proto.OpsetImport)
		}
		dim := m.proto.Graph.Input[0].Type.GetTensorType().Shape.Dim[0]
		if dim.GetDimParam() != "N" {
			t.Errorf("batch dim %v, want symbolic N", dim)
		}
		if len(m.proto.MetadataProps) != 1 || m.proto.MetadataProps[0].GetValue() != "7" {
			t.Errorf("metadata %v", m.proto.MetadataProps)
		}
	}
}

func TestBuiltGraphRuns(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, 50*3)
	x64 := make([]float64, len(x))
	for i := range x {
		x[i] = float32(rng.NormFloat64())
		x64[i] = float64(x[i])
	}
	var paths []string
	for _, opset := range Opsets {
		p := filepath.Join(dir, fmt.Sprintf("affine_opset%d.onnx", opset))
		if err := affine(opset).Write(p); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	exporttest.Check(t, paths...)
	want := affineRef(x64)
	for _, p := range paths {
		got := exporttest.RunORT(t, p, map[string]*npy.Array{"x": npy.NewFloat32(x, 50, 3)})["y"]
		if rel, _ := exporttest.RelDiff(got.F32, want); rel > 1e-6 {
			t.Errorf("%s: %s", p, exporttest.Describe("y", got.F32, want))
		}
	}
}

func TestBuildErrors(t *testing.T) {
	x := func(g *Graph) string { return g.Input("x", dtype.Float32, Batch, 2) }
	cases := []struct {
		name  string
		build func(g *Graph)
		want  []string
	}{
		{"opset", func(g *Graph) { g.SetOpset(12); g.Output(x(g), dtype.Float32, "", Batch, 2) }, []string{"unsupported opset 12"}},
		{"no outputs", func(g *Graph) { x(g) }, []string{"no outputs"}},
		{"duplicate value", func(g *Graph) {
			Initializer(g, x(g), []float32{1, 2}, 2)
			g.Output("x", dtype.Float32, "", Batch, 2)
		}, []string{`value name "x" defined twice`}},
		{"duplicate node name", func(g *Graph) {
			a := g.Node("Relu", "r", []string{x(g)})
			g.NodeN("Relu", "r", []string{a}, []string{"r2"})
			g.Output("r2", dtype.Float32, "", Batch, 2)
		}, []string{`node 1 (Relu "r"): node name used twice`}},
		{"undefined input", func(g *Graph) {
			g.Output(g.Node("Add", "y", []string{x(g), "nowhere"}), dtype.Float32, "", Batch, 2)
		}, []string{`input "nowhere" is not defined`}},
		{"topological order", func(g *Graph) {
			x(g)
			g.Node("Relu", "a", []string{"b"})
			g.Node("Relu", "b", []string{"x"})
			g.Output("a", dtype.Float32, "", Batch, 2)
		}, []string{`input "b" is produced by a later node 1`}},
		{"type mismatch", func(g *Graph) {
			k := Initializer(g, "k", []int64{1, 2}, 2)
			g.Output(g.Node("Add", "y", []string{x(g), k}), dtype.Float32, "", Batch, 2)
		}, []string{"input 1 (k) is int64, earlier inputs are float32"}},
		{"axes not int64", func(g *Graph) {
			ax := Initializer(g, "axes", []float32{1}, 1)
			g.Output(g.Node("ReduceSum", "y", []string{x(g), ax}), dtype.Float32, "", Batch)
		}, []string{"input 1 (axes) is float32, want int64"}},
		{"output type", func(g *Graph) {
			g.Output(g.Node("Relu", "y", []string{x(g)}), dtype.Float64, "", Batch, 2)
		}, []string{`output "y" is declared float64 but computed as float32`}},
		{"output undefined", func(g *Graph) { x(g); g.Output("y", dtype.Float32, "", Batch) }, []string{`output "y" is not produced`}},
		{"initializer size", func(g *Graph) {
			w := Initializer(g, "W", []float32{1, 2, 3}, 2, 2)
			g.Output(g.Node("MatMul", "y", []string{x(g), w}), dtype.Float32, "", Batch, 2)
		}, []string{`initializer "W": dims [2 2] want 4 elements, data has 3`}},
		{"scalar size", func(g *Graph) {
			w := Initializer(g, "c", []float32{1, 2})
			g.Output(g.Node("Mul", "y", []string{x(g), w}), dtype.Float32, "", Batch, 2)
		}, []string{`initializer "c": dims [] want 1 elements, data has 2`}},
		{"cast without to", func(g *Graph) {
			g.Output(g.Node("Cast", "y", []string{x(g)}), dtype.Float32, "", Batch, 2)
		}, []string{`Cast without a "to" attribute`}},
		{"unnamed node", func(g *Graph) {
			g.NodeN("Relu", "", []string{x(g)}, []string{"y"})
			g.Output("y", dtype.Float32, "", Batch, 2)
		}, []string{"has no name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewGraph("bad")
			c.build(g)
			m, err := g.Build()
			if err == nil {
				t.Fatalf("Build succeeded: %v", m)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), `graph "bad"`) {
				t.Errorf("error %q does not name the graph", err)
			}
			p := filepath.Join(t.TempDir(), "bad.onnx")
			if err := g.Write(p); err == nil {
				t.Fatal("Write succeeded")
			}
			if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Write left a file behind (stat: %v)", err)
			}
		})
	}
}

func TestOpsetError(t *testing.T) {
	for _, v := range []int{0, 11, 12, 14, 18} {
		if err := CheckOpset(v); !errors.Is(err, ErrOpset) {
			t.Errorf("CheckOpset(%d) = %v", v, err)
		}
	}
	for _, v := range Opsets {
		if err := CheckOpset(v); err != nil {
			t.Errorf("CheckOpset(%d) = %v", v, err)
		}
	}
}

func TestTensorValuesRoundTrip(t *testing.T) {
	f32 := []float32{1.5, -2, float32(math.Pi)}
	f64 := []float64{1e-300, -2, math.Pi}
	i64 := []int64{-1, 0, 1 << 40}
	check := func(tp *onnxpb.TensorProto, want []float64) {
		got, ok := tensorValues(tp)
		if !ok || len(got) != len(want) {
			t.Fatalf("%s: %v %v", tp.GetName(), got, ok)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s[%d] = %v, want %v", tp.GetName(), i, got[i], want[i])
			}
		}
	}
	check(tensorProto("f32", f32, 3), []float64{1.5, -2, float64(float32(math.Pi))})
	check(tensorProto("f64", f64, 3), f64)
	check(tensorProto("i64", i64, 3), []float64{-1, 0, 1 << 40})
}
