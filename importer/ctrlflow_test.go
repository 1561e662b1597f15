package importer

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// Helpers to build control-flow models in Go.

func aGraph(name string, g *onnxpb.GraphProto) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), G: g, Type: onnxpb.AttributeProto_GRAPH.Enum()}
}

func subGraph(nodes []*onnxpb.NodeProto, in, out []*onnxpb.ValueInfoProto) *onnxpb.GraphProto {
	return &onnxpb.GraphProto{Name: proto.String("body"), Node: nodes, Input: in, Output: out}
}

func boolInit(name string, v bool) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(onnxpb.TensorProto_BOOL)),
		Int32Data: []int32{int32(btoi(v))}}
}

const (
	tf = onnxpb.TensorProto_FLOAT
	ti = onnxpb.TensorProto_INT64
	tb = onnxpb.TensorProto_BOOL
)

// whileModel sets s to 2s+1 (starting at x [2]) while the sum stays
// under 100, counting the iterations in n: a loop whose end depends on
// the data.
func whileModel(grow bool) []byte {
	step := node("Mul", []string{"s", "two"}, []string{"d"})
	if grow {
		step = node("Concat", []string{"s", "s"}, []string{"d"}, aInt("axis", 0))
	}
	body := subGraph([]*onnxpb.NodeProto{
		step, node("Add", []string{"d", "one"}, []string{"s2"}),
		node("ReduceSum", []string{"s2"}, []string{"sum"}, aInt("keepdims", 0)),
		node("Less", []string{"sum", "hundred"}, []string{"c"}),
		node("Add", []string{"n", "one"}, []string{"n2"}),
	}, []*onnxpb.ValueInfoProto{vinfo("i", ti), vinfo("cin", tb), vinfo("s", tf, -1), vinfo("n", tf, 1)},
		[]*onnxpb.ValueInfoProto{vinfo("c", tb), vinfo("s2", tf, -1), vinfo("n2", tf, 1)})
	return model(13, []*onnxpb.NodeProto{
		node("Loop", []string{"", "true", "x", "zero"}, []string{"y", "count"}, aGraph("body", body)),
	}, []*onnxpb.TensorProto{boolInit("true", true), floatInit("two", []float32{2}), floatInit("hundred", []float32{100}),
		floatInit("one", []float32{1}, 1), floatInit("zero", []float32{0}, 1)},
		[]*onnxpb.ValueInfoProto{vinfo("x", tf, 2)}, []*onnxpb.ValueInfoProto{vinfo("y", tf, -1), vinfo("count", tf, 1)})
}

// forModel runs 4 iterations of s += float(i) from x [1], stacking s*s
// (scan output) and, with grow, appending x to t each time.
func forModel() []byte {
	body := subGraph([]*onnxpb.NodeProto{
		node("Cast", []string{"i"}, []string{"fi"}, aInt("to", 1)),
		node("Add", []string{"s", "fi"}, []string{"s2"}),
		node("Mul", []string{"s2", "s2"}, []string{"sq"}),
		node("Concat", []string{"t", "x"}, []string{"t2"}, aInt("axis", 0)),
		node("Identity", []string{"cin"}, []string{"c"}),
	}, []*onnxpb.ValueInfoProto{vinfo("i", ti), vinfo("cin", tb), vinfo("s", tf, 1), vinfo("t", tf, -1)},
		[]*onnxpb.ValueInfoProto{vinfo("c", tb), vinfo("s2", tf, 1), vinfo("t2", tf, -1), vinfo("sq", tf, 1)})
	return model(13, []*onnxpb.NodeProto{
		node("Loop", []string{"four", "", "x", "x"}, []string{"s", "t", "scan"}, aGraph("body", body)),
	}, []*onnxpb.TensorProto{int64Init("four", []int64{4})},
		[]*onnxpb.ValueInfoProto{vinfo("x", tf, 1)},
		[]*onnxpb.ValueInfoProto{vinfo("s", tf, 1), vinfo("t", tf, -1), vinfo("scan", tf, 4, 1)})
}

// ifModel gives x*2 when sum(x) > 0, else -x; with mismatch the else
// branch gives a shorter tensor.
func ifModel(mismatch bool) []byte {
	elseNode := node("Neg", []string{"x"}, []string{"e"})
	if mismatch {
		elseNode = node("ReduceSum", []string{"x"}, []string{"e"})
	}
	return model(13, []*onnxpb.NodeProto{
		node("ReduceSum", []string{"x"}, []string{"sum"}, aInt("keepdims", 0)),
		node("Greater", []string{"sum", "zero"}, []string{"c"}),
		node("If", []string{"c"}, []string{"y"},
			aGraph("then_branch", subGraph([]*onnxpb.NodeProto{node("Mul", []string{"x", "two"}, []string{"t"})}, nil,
				[]*onnxpb.ValueInfoProto{vinfo("t", tf, 3)})),
			aGraph("else_branch", subGraph([]*onnxpb.NodeProto{elseNode}, nil, []*onnxpb.ValueInfoProto{vinfo("e", tf, 3)}))),
	}, []*onnxpb.TensorProto{floatInit("zero", []float32{0}), floatInit("two", []float32{2})},
		[]*onnxpb.ValueInfoProto{vinfo("x", tf, 3)}, []*onnxpb.ValueInfoProto{vinfo("y", tf, 3)})
}

// nestedModel loops twice; inside, an If on i > 0 adds the outer graph's
// x to s in the second iteration only.
func nestedModel() []byte {
	body := subGraph([]*onnxpb.NodeProto{
		node("Greater", []string{"i", "zero"}, []string{"pos"}),
		node("If", []string{"pos"}, []string{"s2"},
			aGraph("then_branch", subGraph([]*onnxpb.NodeProto{node("Add", []string{"s", "x"}, []string{"a"})}, nil,
				[]*onnxpb.ValueInfoProto{vinfo("a", tf, 3)})),
			aGraph("else_branch", subGraph([]*onnxpb.NodeProto{node("Mul", []string{"s", "ten"}, []string{"b"})}, nil,
				[]*onnxpb.ValueInfoProto{vinfo("b", tf, 3)}))),
		node("Identity", []string{"cin"}, []string{"c"}),
	}, []*onnxpb.ValueInfoProto{vinfo("i", ti), vinfo("cin", tb), vinfo("s", tf, 3)},
		[]*onnxpb.ValueInfoProto{vinfo("c", tb), vinfo("s2", tf, 3)})
	return model(16, []*onnxpb.NodeProto{
		node("Loop", []string{"two", "true", "x"}, []string{"y"}, aGraph("body", body)),
	}, []*onnxpb.TensorProto{int64Init("two", []int64{2}), int64Init("zero", []int64{0}), boolInit("true", true),
		floatInit("ten", []float32{10})},
		[]*onnxpb.ValueInfoProto{vinfo("x", tf, 3)}, []*onnxpb.ValueInfoProto{vinfo("y", tf, 3)})
}

// scanModel sums the columns of x [2, 3] from the last to the first
// (scan axis 1, reversed) and writes the running sums, reversed, along
// output axis 1.
func scanModel() []byte {
	body := subGraph([]*onnxpb.NodeProto{
		node("Add", []string{"s", "col"}, []string{"s2"}),
		node("Identity", []string{"s2"}, []string{"o"}),
	}, []*onnxpb.ValueInfoProto{vinfo("s", tf, 2), vinfo("col", tf, 2)},
		[]*onnxpb.ValueInfoProto{vinfo("s2", tf, 2), vinfo("o", tf, 2)})
	return model(11, []*onnxpb.NodeProto{
		node("Scan", []string{"s0", "x"}, []string{"s", "runs"}, aGraph("body", body), aInt("num_scan_inputs", 1),
			aInts("scan_input_axes", 1), aInts("scan_input_directions", 1),
			aInts("scan_output_axes", -1), aInts("scan_output_directions", 1)),
	}, []*onnxpb.TensorProto{floatInit("s0", []float32{0, 0}, 2)},
		[]*onnxpb.ValueInfoProto{vinfo("x", tf, 2, 3)}, []*onnxpb.ValueInfoProto{vinfo("s", tf, 2), vinfo("runs", tf, 2, 3)})
}

// TestControlFlow runs crafted If, Loop and Scan models on hand-computed
// results, and counts how often their bodies are planned.
func TestControlFlow(t *testing.T) {
	type want struct {
		shape []int
		data  []float32
	}
	cases := []struct {
		name  string
		model []byte
		x     []float32
		shape []int
		want  map[string]want
		plans int // body plans for one Run at a new input shape
	}{
		{"If then", ifModel(false), []float32{1, 2, 3}, []int{3}, map[string]want{"y": {[]int{3}, []float32{2, 4, 6}}}, 2},
		{"If else", ifModel(false), []float32{-1, -2, 0}, []int{3}, map[string]want{"y": {[]int{3}, []float32{1, 2, 0}}}, 2},
		// 1,2 -> 3,5 -> 7,11 -> 15,23 -> 31,47 -> 63,95: sum 158 ends it
		// after 5 iterations. Planned twice: the first iteration's
		// condition is a constant.
		{"Loop while", whileModel(false), []float32{1, 2}, []int{2},
			map[string]want{"y": {[]int{2}, []float32{63, 95}}, "count": {[]int{1}, []float32{5}}}, 2},
		// s: 1, 1, 2, 4, 7; t grows by x each iteration (one plan each).
		{"Loop for", forModel(), []float32{1}, []int{1}, map[string]want{
			"s": {[]int{1}, []float32{7}}, "t": {[]int{5}, []float32{1, 1, 1, 1, 1}},
			"scan": {[]int{4, 1}, []float32{1, 4, 16, 49}}}, 4},
		// i=0: s*10; i=1: s+x.
		{"Loop holding If", nestedModel(), []float32{1, 2, 3}, []int{3},
			map[string]want{"y": {[]int{3}, []float32{11, 22, 33}}}, 3},
		// Columns 3,6 then 2,5 then 1,4: sums 3,6; 5,11; 6,15, written
		// in reverse along axis 1.
		{"Scan reversed", scanModel(), []float32{1, 2, 3, 4, 5, 6}, []int{2, 3}, map[string]want{
			"s": {[]int{2}, []float32{6, 15}}, "runs": {[]int{2, 3}, []float32{6, 5, 3, 15, 11, 6}}}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := LoadBytes(c.model)
			if err != nil {
				t.Fatal(err)
			}
			x, _ := NewFloat32(c.x, c.shape...)
			before := subgraphPlans.Load()
			got, err := NewSession(m).Run(map[string]*Tensor{"x": x})
			if err != nil {
				t.Fatal(err)
			}
			if n := subgraphPlans.Load() - before; n != int64(c.plans) {
				t.Errorf("%d body plans, want %d", n, c.plans)
			}
			for name, w := range c.want {
				g := got[name]
				if !slices.Equal(g.Shape, w.shape) || !slices.Equal(g.F, w.data) {
					t.Errorf("%s = %v %v, want %v %v", name, g.Shape, g.F, w.shape, w.data)
				}
			}
		})
	}
}

// TestControlFlowRefused checks that control flow whose shapes depend on
// the data is refused with ErrUnsupported, naming the reason.
func TestControlFlowRefused(t *testing.T) {
	for name, b := range map[string][]byte{
		"If branches of different shapes":     ifModel(true),
		"Loop growing until a data condition": whileModel(true),
	} {
		t.Run(name, func(t *testing.T) {
			m, err := LoadBytes(b)
			if err == nil {
				x, _ := NewFloat32([]float32{1, 2, 3}[:m.Inputs[0].Shape[0]], m.Inputs[0].Shape...)
				_, err = NewSession(m).Run(map[string]*Tensor{"x": x})
			}
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("got %v, want ErrUnsupported", err)
			}
			t.Log(err)
		})
	}
}

// TestLoopTripCountAtRunTime: a trip count computed from the data over
// the limit stops the run with ErrBadInput before the first iteration,
// and a loop whose computed condition never ends it stops with
// ErrBadInput at the limit.
func TestLoopTripCountAtRunTime(t *testing.T) {
	body := subGraph([]*onnxpb.NodeProto{node("Identity", []string{"cin"}, []string{"c"}), node("Neg", []string{"s"}, []string{"s2"})},
		[]*onnxpb.ValueInfoProto{vinfo("i", ti), vinfo("cin", tb), vinfo("s", tf, 1)},
		[]*onnxpb.ValueInfoProto{vinfo("c", tb), vinfo("s2", tf, 1)})
	b := model(13, []*onnxpb.NodeProto{
		node("ReduceSum", []string{"x"}, []string{"sum"}, aInt("keepdims", 0)),
		node("Cast", []string{"sum"}, []string{"m"}, aInt("to", int64(ti))),
		node("Loop", []string{"m", "", "x"}, []string{"y"}, aGraph("body", body)),
	}, nil, []*onnxpb.ValueInfoProto{vinfo("x", tf, 1)}, []*onnxpb.ValueInfoProto{vinfo("y", tf, 1)})
	m, err := LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSession(m)
	for _, c := range []struct {
		x    float32
		want float32
		err  error
	}{{3, -3, nil}, {4, 4, nil}, {1e12, 0, ErrBadInput}} {
		x, _ := NewFloat32([]float32{c.x}, 1)
		got, err := s.Run(map[string]*Tensor{"x": x})
		if !errors.Is(err, c.err) || (err == nil && got["y"].F[0] != c.want) {
			t.Errorf("x=%g: got %v, %v; want %g, %v", c.x, got["y"], err, c.want, c.err)
		}
		if err != nil {
			t.Log(err)
		}
	}
	// A condition computed from the data that never turns false.
	b = model(13, []*onnxpb.NodeProto{
		node("ReduceSum", []string{"x"}, []string{"sum"}, aInt("keepdims", 0)),
		node("Greater", []string{"sum", "low"}, []string{"c"}),
		node("Loop", []string{"", "c", "x"}, []string{"y"}, aGraph("body", body)),
	}, []*onnxpb.TensorProto{floatInit("low", []float32{-1e9})}, []*onnxpb.ValueInfoProto{vinfo("x", tf, 1)}, []*onnxpb.ValueInfoProto{vinfo("y", tf, 1)})
	if m, err = LoadBytes(b); err != nil {
		t.Fatal(err)
	}
	x, _ := NewFloat32([]float32{1}, 1)
	if _, err := NewSession(m).Run(map[string]*Tensor{"x": x}); !errors.Is(err, ErrBadInput) {
		t.Errorf("endless loop: got %v, want ErrBadInput", err)
	} else {
		t.Log(err)
	}
}

// nestedIfs is a model whose If nodes nest depth deep.
func nestedIfs(depth int) []byte {
	leaf := func(d int) *onnxpb.GraphProto {
		out := "leaf" + itoa(d)
		return subGraph([]*onnxpb.NodeProto{node("Identity", []string{"x"}, []string{out})}, nil, []*onnxpb.ValueInfoProto{vinfo(out, tf, 2)})
	}
	g := leaf(0)
	for d := 1; d < depth; d++ {
		out := "y" + itoa(d)
		g = subGraph([]*onnxpb.NodeProto{node("If", []string{"c"}, []string{out}, aGraph("then_branch", g), aGraph("else_branch", leaf(d)))},
			nil, []*onnxpb.ValueInfoProto{vinfo(out, tf, 2)})
	}
	return model(13, []*onnxpb.NodeProto{node("If", []string{"c"}, []string{"y"}, aGraph("then_branch", g), aGraph("else_branch", leaf(depth)))},
		[]*onnxpb.TensorProto{boolInit("c", true)},
		[]*onnxpb.ValueInfoProto{vinfo("x", tf, 2)}, []*onnxpb.ValueInfoProto{vinfo("y", tf, 2)})
}

// TestSubgraphDepth: If nodes nested maxSubgraphDepth deep load, one
// more is refused.
func TestSubgraphDepth(t *testing.T) {
	m, err := LoadBytes(nestedIfs(maxSubgraphDepth))
	if err != nil {
		t.Fatalf("depth %d: %v", maxSubgraphDepth, err)
	}
	x, _ := NewFloat32([]float32{1, 2}, 2)
	if got, err := NewSession(m).Run(map[string]*Tensor{"x": x}); err != nil || !slices.Equal(got["y"].F, x.F) {
		t.Errorf("depth %d: %v, %v", maxSubgraphDepth, got, err)
	}
	if _, err := LoadBytes(nestedIfs(maxSubgraphDepth + 1)); !errors.Is(err, ErrBadInput) {
		t.Errorf("depth %d: got %v, want ErrBadInput", maxSubgraphDepth+1, err)
	}
	if _, err := CheckSupport(nestedIfs(maxSubgraphDepth + 1)); !errors.Is(err, ErrBadInput) {
		t.Errorf("CheckSupport at depth %d: got %v, want ErrBadInput", maxSubgraphDepth+1, err)
	}
}

// hostileControlFlow returns models that Load must reject (part of
// hostile(), so of the fuzz corpus): subgraphs nested too deep, loops
// that never end or run too long, outputs past the element limit.
func hostileControlFlow() map[string][]byte {
	x := []*onnxpb.ValueInfoProto{vinfo("x", tf, 2)}
	y := []*onnxpb.ValueInfoProto{vinfo("y", tf, 2)}
	negBody := subGraph([]*onnxpb.NodeProto{node("Identity", []string{"cin"}, []string{"c"}), node("Neg", []string{"s"}, []string{"s2"})},
		[]*onnxpb.ValueInfoProto{vinfo("i", ti), vinfo("cin", tb), vinfo("s", tf, 2)},
		[]*onnxpb.ValueInfoProto{vinfo("c", tb), vinfo("s2", tf, 2)})
	ones := make([]int64, 129) // 2^24 ones at rank 129: NonZero would give 129 * 2^24 coordinates
	for i := range ones {
		ones[i] = 1
	}
	ones[0] = 1 << 24
	return map[string][]byte{
		"subgraphs nested too deep": nestedIfs(maxSubgraphDepth + 1),
		"huge Loop trip count": model(13, []*onnxpb.NodeProto{node("Loop", []string{"m", "", "x"}, []string{"y"}, aGraph("body", negBody))},
			[]*onnxpb.TensorProto{int64Init("m", []int64{1 << 40})}, x, y),
		"endless Loop": model(13, []*onnxpb.NodeProto{node("Loop", []string{"", "", "x"}, []string{"y"}, aGraph("body", negBody))}, nil, x, y),
		"Loop without body": model(13, []*onnxpb.NodeProto{node("Loop", []string{"m", "", "x"}, []string{"y"})},
			[]*onnxpb.TensorProto{int64Init("m", []int64{2})}, x, y),
		"subgraph reads an undefined value": model(13, []*onnxpb.NodeProto{node("If", []string{"c"}, []string{"y"},
			aGraph("then_branch", subGraph([]*onnxpb.NodeProto{node("Neg", []string{"nope"}, []string{"a"})}, nil, []*onnxpb.ValueInfoProto{vinfo("a", tf, 2)})),
			aGraph("else_branch", subGraph([]*onnxpb.NodeProto{node("Neg", []string{"x"}, []string{"b"})}, nil, []*onnxpb.ValueInfoProto{vinfo("b", tf, 2)})))},
			[]*onnxpb.TensorProto{boolInit("c", true)}, x, y),
		"huge Expand": model(13, []*onnxpb.NodeProto{node("Expand", []string{"x", "s"}, []string{"e"}), node("ReduceSum", []string{"e"}, []string{"y"})},
			[]*onnxpb.TensorProto{int64Init("s", []int64{1 << 20, 1 << 20, 2}, 3)}, x, y),
		"huge NonZero": model(13, []*onnxpb.NodeProto{node("ConstantOfShape", []string{"s"}, []string{"o"},
			&onnxpb.AttributeProto{Name: proto.String("value"), T: floatInit("one", []float32{1}, 1), Type: onnxpb.AttributeProto_TENSOR.Enum()}),
			node("NonZero", []string{"o"}, []string{"nz"}), node("Cast", []string{"nz"}, []string{"f"}, aInt("to", int64(tf))),
			node("ReduceSum", []string{"f"}, []string{"r"}, aInt("keepdims", 0)), node("Add", []string{"x", "r"}, []string{"y"})},
			[]*onnxpb.TensorProto{int64Init("s", ones, 129)}, x, y),
	}
}

// ifGradCases are the finite-difference cases of If (gradCases): the
// taken branch reads the input X and the param W from the outer graph.
func ifGradCases(r *rand.Rand) []gradCase {
	then := aGraph("then_branch", subGraph([]*onnxpb.NodeProto{node("Mul", []string{"X", "W"}, []string{"a"}),
		node("Tanh", []string{"X"}, []string{"b"}), node("Add", []string{"a", "b"}, []string{"t"})}, nil, outInfo("t")))
	els := aGraph("else_branch", subGraph([]*onnxpb.NodeProto{node("Sigmoid", []string{"X"}, []string{"s"}),
		node("Sub", []string{"s", "W"}, []string{"e"})}, nil, outInfo("e")))
	return []gradCase{
		{name: "If/constant condition", xShape: []int64{2, 3},
			nodes: []*onnxpb.NodeProto{node("If", []string{"c"}, []string{"Y"}, then, els)},
			inits: []*onnxpb.TensorProto{boolInit("c", true), fi(r, "W", false, 2, 3)}, params: []string{"W"}},
		{name: "If/data condition", xShape: []int64{2, 3},
			nodes: []*onnxpb.NodeProto{node("ReduceSum", []string{"X"}, []string{"sum"}, aInt("keepdims", 0)),
				node("Greater", []string{"sum", "hundred"}, []string{"c"}), node("If", []string{"c"}, []string{"Y"}, then, els)},
			inits: []*onnxpb.TensorProto{floatInit("hundred", []float32{100}), fi(r, "W", false, 2, 3)}, params: []string{"W"}},
	}
}

// controlFlowModels are valid If, Loop and Scan models (seeds of
// FuzzLoadBytes).
func controlFlowModels() [][]byte {
	return [][]byte{ifModel(false), whileModel(false), forModel(), nestedModel(), scanModel()}
}

// TestControlFlowConcurrent runs one session of each control-flow model
// from several goroutines at once (run it with -race): every run gives
// the single-threaded result.
func TestControlFlowConcurrent(t *testing.T) {
	for i, b := range controlFlowModels() {
		m, err := LoadBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		shape := append([]int{}, m.Inputs[0].Shape...)
		x := &Tensor{DType: Float32, Shape: shape, F: make([]float32, numel(shape))}
		for j := range x.F {
			x.F[j] = float32(j%5) - 1.5
		}
		s := NewSession(m)
		want, err := s.Run(map[string]*Tensor{"x": x})
		if err != nil {
			t.Fatalf("model %d: %v", i, err)
		}
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				for range 20 {
					got, err := s.Run(map[string]*Tensor{"x": x})
					if err != nil {
						errs <- err
						return
					}
					for name, w := range want {
						if !slices.Equal(got[name].F, w.F) {
							errs <- fmt.Errorf("model %d output %s: %v, want %v", i, name, got[name].F, w.F)
							return
						}
					}
				}
				errs <- nil
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	}
}

// TestLoopScanNoGradient: a gradient that reaches a Loop or a Scan is
// ErrNoGradient naming the node, never a silent zero.
func TestLoopScanNoGradient(t *testing.T) {
	for name, c := range map[string]struct {
		model []byte
		x     []float32
		shape []int
		out   string
	}{
		"Loop": {whileModel(false), []float32{1, 2}, []int{2}, "y"},
		"Scan": {scanModel(), []float32{1, 2, 3, 4, 5, 6}, []int{2, 3}, "s"},
	} {
		m, err := LoadBytes(c.model)
		if err != nil {
			t.Fatal(err)
		}
		gs, err := NewGradSession(m)
		if err != nil {
			t.Fatal(err)
		}
		x, _ := NewFloat32(c.x, c.shape...)
		tape, err := gs.Forward(map[string]*Tensor{"x": x})
		if err != nil {
			t.Fatal(err)
		}
		y, _ := tape.Output(c.out)
		seed := &Tensor{DType: Float32, Shape: y.Shape, F: make([]float32, len(y.F))}
		if _, err := tape.Backward(map[string]*Tensor{c.out: seed}); !errors.Is(err, ErrNoGradient) {
			t.Errorf("%s: got %v, want ErrNoGradient", name, err)
		} else {
			t.Log(err)
		}
	}
}
