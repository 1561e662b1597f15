package importer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

func aStr(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

func outInfo(names ...string) []*onnxpb.ValueInfoProto {
	var out []*onnxpb.ValueInfoProto
	for _, n := range names {
		out = append(out, &onnxpb.ValueInfoProto{Name: proto.String(n)})
	}
	return out
}

// gridValues returns n values in ±[lo, hi], pairwise at least `gap` apart
// and at least `gap` from zero when n allows it (so that finite
// differences of step h << gap never cross a kink of Relu, Abs, Max or a
// pooling window's argmax); bigger tensors get random values.
func gridValues(r *rand.Rand, n int, lo, hi float64, signed bool) []float32 {
	const gap = 0.02
	var grid []float64
	for v := lo; v <= hi; v += gap {
		grid = append(grid, v)
		if signed {
			grid = append(grid, -v)
		}
	}
	out := make([]float32, n)
	if n <= len(grid) {
		r.Shuffle(len(grid), func(i, j int) { grid[i], grid[j] = grid[j], grid[i] })
		for i := range out {
			out[i] = float32(grid[i])
		}
		return out
	}
	for i := range out {
		v := lo + (hi-lo)*r.Float64()
		if signed && r.IntN(2) == 0 {
			v = -v
		}
		out[i] = float32(v)
	}
	return out
}

// shifted moves a grid off X's grid so that Max/Min never tie.
func shifted(t *onnxpb.TensorProto, by float32) *onnxpb.TensorProto {
	for i := range t.FloatData {
		t.FloatData[i] += by
	}
	return t
}

type gradCase struct {
	name     string
	opset    int64
	nodes    []*onnxpb.NodeProto
	inits    []*onnxpb.TensorProto
	xShape   []int64
	positive bool     // inputs in [0.2, 2] (Log, Sqrt, Pow bases)
	params   []string // initializers differentiated (besides X)
	outputs  []string
	noFold   bool
	training bool // GradSession.SetTraining (BatchNormalization on batch statistics)
}

func fi(r *rand.Rand, name string, positive bool, dims ...int64) *onnxpb.TensorProto {
	n := 1
	for _, d := range dims {
		n *= int(d)
	}
	lo, hi, signed := 0.1, 1.0, true
	if positive {
		lo, hi, signed = 0.5, 1.5, false
	}
	return floatInit(name, gridValues(r, n, lo, hi, signed), dims...)
}

func gradCases() []gradCase {
	r := rand.New(rand.NewPCG(1, 2))
	one := func(op string, in []string, attrs ...*onnxpb.AttributeProto) []*onnxpb.NodeProto {
		return []*onnxpb.NodeProto{node(op, in, []string{"Y"}, attrs...)}
	}
	var cs []gradCase
	add := func(c gradCase) {
		if c.opset == 0 {
			c.opset = 13
		}
		if c.outputs == nil {
			c.outputs = []string{"Y"}
		}
		cs = append(cs, c)
	}
	add(gradCase{name: "Conv/pads,strides,dilations,groups", xShape: []int64{2, 4, 5, 6},
		nodes: one("Conv", []string{"X", "W", "B"}, aInt("group", 2), aInts("pads", 1, 0, 1, 2), aInts("strides", 2, 1), aInts("dilations", 1, 2)),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 6, 2, 3, 3), fi(r, "B", false, 6)}, params: []string{"W", "B"}})
	add(gradCase{name: "Conv/depthwise,auto_pad", xShape: []int64{1, 3, 5, 5},
		nodes: one("Conv", []string{"X", "W"}, aInt("group", 3), aStr("auto_pad", "SAME_UPPER"), aInts("strides", 2, 2)),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 3, 1, 2, 2)}, params: []string{"W"}})
	add(gradCase{name: "Conv/1d,1x1", xShape: []int64{2, 3, 7},
		nodes: one("Conv", []string{"X", "W", "B"}),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 4, 3, 1), fi(r, "B", false, 4)}, params: []string{"W", "B"}})
	add(gradCase{name: "Conv+Relu(fused)", xShape: []int64{1, 2, 4, 4},
		nodes: []*onnxpb.NodeProto{node("Conv", []string{"X", "W", "B"}, []string{"c"}, aInts("pads", 1, 1, 1, 1)), node("Relu", []string{"c"}, []string{"Y"})},
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 3, 2, 3, 3), fi(r, "B", false, 3)}, params: []string{"W", "B"}})
	// Activations that inference plans fuse into the Conv (fuseActivations):
	// gradient plans keep them as nodes.
	add(gradCase{name: "Conv+SiLU (depthwise)", xShape: []int64{1, 2, 4, 4},
		nodes: []*onnxpb.NodeProto{node("Conv", []string{"X", "W", "B"}, []string{"c"}, aInts("pads", 1, 1, 1, 1), aInt("group", 2)),
			node("Sigmoid", []string{"c"}, []string{"s"}), node("Mul", []string{"c", "s"}, []string{"Y"})},
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 2, 1, 3, 3), fi(r, "B", false, 2)}, params: []string{"W", "B"}})
	add(gradCase{name: "Conv+HardSwish (1x1)", opset: 14, xShape: []int64{1, 3, 3, 3},
		nodes: []*onnxpb.NodeProto{node("Conv", []string{"X", "W", "B"}, []string{"c"}), node("HardSwish", []string{"c"}, []string{"Y"})},
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 4, 3, 1, 1), fi(r, "B", false, 4)}, params: []string{"W", "B"}})
	bn := []*onnxpb.TensorProto{fi(r, "s", false, 3), fi(r, "b", false, 3), fi(r, "m", false, 3), fi(r, "v", true, 3)}
	add(gradCase{name: "BatchNormalization", xShape: []int64{2, 3, 2, 3},
		nodes: one("BatchNormalization", []string{"X", "s", "b", "m", "v"}, aFloat("epsilon", 0.01)),
		inits: bn, params: []string{"s", "b", "m", "v"}})
	add(gradCase{name: "Conv+BatchNormalization(NoFold)", xShape: []int64{1, 2, 4, 4}, noFold: true,
		nodes: []*onnxpb.NodeProto{node("Conv", []string{"X", "W"}, []string{"c"}, aInts("pads", 1, 1, 1, 1)),
			node("BatchNormalization", []string{"c", "s", "b", "m", "v"}, []string{"Y"})},
		inits: append([]*onnxpb.TensorProto{fi(r, "W", false, 3, 2, 3, 3)}, bn...), params: []string{"W", "s", "b", "m", "v"}})
	add(gradCase{name: "BatchNormalization(training)", xShape: []int64{2, 3, 2, 3}, noFold: true, training: true,
		nodes: one("BatchNormalization", []string{"X", "s", "b", "m", "v"}, aFloat("epsilon", 0.01)),
		inits: bn, params: []string{"s", "b"}})
	add(gradCase{name: "Conv+BatchNormalization+Relu(training)", xShape: []int64{2, 2, 4, 4}, noFold: true, training: true,
		nodes: []*onnxpb.NodeProto{node("Conv", []string{"X", "W"}, []string{"c"}, aInts("pads", 1, 1, 1, 1)),
			node("BatchNormalization", []string{"c", "s", "b", "m", "v"}, []string{"d"}), node("Relu", []string{"d"}, []string{"Y"})},
		inits: append([]*onnxpb.TensorProto{fi(r, "W", false, 3, 2, 3, 3)}, bn...), params: []string{"W", "s", "b"}})
	add(gradCase{name: "Dropout(training)", xShape: []int64{3, 5}, opset: 13,
		nodes: one("Dropout", []string{"X", "r", "t"}, aInt("seed", 3)),
		inits: []*onnxpb.TensorProto{floatInit("r", []float32{0.4}), {Name: proto.String("t"), DataType: proto.Int32(int32(onnxpb.TensorProto_BOOL)), Int32Data: []int32{1}}}})
	add(gradCase{name: "Conv+BatchNormalization(folded)", xShape: []int64{1, 2, 4, 4},
		nodes: []*onnxpb.NodeProto{node("Conv", []string{"X", "W"}, []string{"c"}, aInts("pads", 1, 1, 1, 1)),
			node("BatchNormalization", []string{"c", "s", "b", "m", "v"}, []string{"Y"})},
		inits: append([]*onnxpb.TensorProto{fi(r, "W", false, 3, 2, 3, 3)}, bn...)})
	for _, op := range []string{"Relu", "Sigmoid", "Tanh", "Exp", "Neg", "Abs", "Identity"} {
		add(gradCase{name: op, xShape: []int64{3, 5}, nodes: one(op, []string{"X"})})
	}
	add(gradCase{name: "LeakyRelu", xShape: []int64{3, 5}, nodes: one("LeakyRelu", []string{"X"}, aFloat("alpha", 0.1))})
	// The elementwise functions of mathFns (Floor, Ceil, Round and Sign,
	// whose derivative is zero, jump on the grid and are left out), on
	// x in ±[0.1, 1], halved for the inverse trigonometric ones and moved
	// past 1 for Acosh. Kinks (ThresholdedRelu, Shrink) sit between grid
	// points.
	for _, c := range []struct {
		op    string
		opset int64
		pre   string // "half": Mul(X, 0.5); "plus2": Add(X, 2)
		attrs []*onnxpb.AttributeProto
	}{
		{"Elu", 13, "", []*onnxpb.AttributeProto{aFloat("alpha", 0.7)}}, {"Selu", 13, "", nil}, {"Celu", 13, "", []*onnxpb.AttributeProto{aFloat("alpha", 1.3)}},
		{"HardSigmoid", 13, "", []*onnxpb.AttributeProto{aFloat("alpha", 0.6), aFloat("beta", 0.4)}}, {"HardSwish", 14, "plus2", nil},
		{"Softplus", 13, "", nil}, {"Softsign", 13, "", nil}, {"ThresholdedRelu", 13, "", []*onnxpb.AttributeProto{aFloat("alpha", 0.55)}},
		{"Mish", 18, "", nil}, {"Gelu", 20, "", nil}, {"Gelu", 20, "", []*onnxpb.AttributeProto{aStr("approximate", "tanh")}},
		{"Erf", 13, "", nil}, {"Reciprocal", 13, "", nil}, {"Shrink", 13, "", []*onnxpb.AttributeProto{aFloat("lambd", 0.45), aFloat("bias", 0.2)}},
		{"Sin", 13, "", nil}, {"Cos", 13, "", nil}, {"Tan", 13, "", nil}, {"Asin", 13, "half", nil}, {"Acos", 13, "half", nil},
		{"Atan", 13, "", nil}, {"Sinh", 13, "", nil}, {"Cosh", 13, "", nil}, {"Asinh", 13, "", nil}, {"Acosh", 13, "plus2", nil},
		{"Atanh", 13, "half", nil},
	} {
		nodes := one(c.op, []string{"X"}, c.attrs...)
		var inits []*onnxpb.TensorProto
		switch c.pre {
		case "half":
			nodes = []*onnxpb.NodeProto{node("Mul", []string{"X", "k"}, []string{"h"}), node(c.op, []string{"h"}, []string{"Y"}, c.attrs...)}
			inits = []*onnxpb.TensorProto{floatInit("k", []float32{0.5})}
		case "plus2":
			nodes = []*onnxpb.NodeProto{node("Add", []string{"X", "k"}, []string{"h"}), node(c.op, []string{"h"}, []string{"Y"}, c.attrs...)}
			inits = []*onnxpb.TensorProto{floatInit("k", []float32{2})}
		}
		add(gradCase{name: c.op + "/" + fmt.Sprint(len(cs)), opset: c.opset, xShape: []int64{3, 5}, nodes: nodes, inits: inits})
	}
	add(gradCase{name: "PRelu", xShape: []int64{3, 4}, nodes: one("PRelu", []string{"X", "W"}),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 4)}, params: []string{"W"}})
	for _, op := range []string{"Sqrt", "Log"} {
		add(gradCase{name: op, xShape: []int64{3, 5}, positive: true, nodes: one(op, []string{"X"})})
	}
	add(gradCase{name: "Clip/opset13", xShape: []int64{4, 5}, nodes: one("Clip", []string{"X", "lo", "hi"}),
		inits: []*onnxpb.TensorProto{floatInit("lo", []float32{-0.51}), floatInit("hi", []float32{0.49})}, params: []string{"lo", "hi"}})
	add(gradCase{name: "Clip/opset7", opset: 7, xShape: []int64{4, 5}, nodes: one("Clip", []string{"X"}, aFloat("min", -0.3), aFloat("max", 0.61))})
	add(gradCase{name: "Dropout", xShape: []int64{3, 5}, nodes: one("Dropout", []string{"X"})})
	add(gradCase{name: "MaxPool/pads,strides,ceil", xShape: []int64{1, 2, 5, 5},
		nodes: one("MaxPool", []string{"X"}, aInts("kernel_shape", 3, 3), aInts("strides", 2, 2), aInts("pads", 1, 1, 0, 0), aInt("ceil_mode", 1))})
	add(gradCase{name: "MaxPool/dilations", xShape: []int64{1, 1, 6, 6},
		nodes: one("MaxPool", []string{"X"}, aInts("kernel_shape", 2, 2), aInts("dilations", 2, 2))})
	add(gradCase{name: "AveragePool/exclude_pad", xShape: []int64{1, 2, 5, 5},
		nodes: one("AveragePool", []string{"X"}, aInts("kernel_shape", 3, 3), aInts("strides", 2, 2), aInts("pads", 1, 1, 1, 1))})
	add(gradCase{name: "AveragePool/include_pad", xShape: []int64{1, 2, 5, 5},
		nodes: one("AveragePool", []string{"X"}, aInts("kernel_shape", 2, 3), aInts("pads", 1, 0, 0, 1), aInt("count_include_pad", 1))})
	add(gradCase{name: "AveragePool/dilations,ceil_mode", opset: 19, xShape: []int64{1, 2, 7, 6},
		nodes: one("AveragePool", []string{"X"}, aInts("kernel_shape", 3, 2), aInts("dilations", 2, 3), aInts("strides", 2, 1), aInts("pads", 1, 0, 1, 1), aInt("ceil_mode", 1))})
	add(gradCase{name: "AveragePool/dilations,include_pad", opset: 19, xShape: []int64{1, 2, 6, 6},
		nodes: one("AveragePool", []string{"X"}, aInts("kernel_shape", 2, 2), aInts("dilations", 2, 2), aInts("pads", 1, 1, 1, 1), aInt("count_include_pad", 1))})
	add(gradCase{name: "ReduceL2/noop_with_empty_axes", opset: 18, xShape: []int64{2, 3},
		nodes: one("ReduceL2", []string{"X", "axes"}, aInt("noop_with_empty_axes", 1)), inits: []*onnxpb.TensorProto{int64Init("axes", nil, 0)}})
	add(gradCase{name: "GlobalAveragePool", xShape: []int64{2, 3, 2, 2}, nodes: one("GlobalAveragePool", []string{"X"})})
	add(gradCase{name: "GlobalMaxPool", xShape: []int64{2, 3, 2, 2}, nodes: one("GlobalMaxPool", []string{"X"})})
	add(gradCase{name: "Gemm/transB,alpha,beta", xShape: []int64{3, 4},
		nodes: one("Gemm", []string{"X", "W", "C"}, aInt("transB", 1), aFloat("alpha", 0.7), aFloat("beta", 1.3)),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 5, 4), fi(r, "C", false, 5)}, params: []string{"W", "C"}})
	add(gradCase{name: "Gemm/transA", xShape: []int64{4, 3},
		nodes: one("Gemm", []string{"X", "W"}, aInt("transA", 1)),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 4, 2)}, params: []string{"W"}})
	add(gradCase{name: "Gemm/A=W,transA,transB", xShape: []int64{5, 4},
		nodes: one("Gemm", []string{"W", "X", "C"}, aInt("transA", 1), aInt("transB", 1)),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 4, 3), fi(r, "C", false, 3, 1)}, params: []string{"W", "C"}})
	add(gradCase{name: "MatMul/batched", xShape: []int64{2, 3, 4}, nodes: one("MatMul", []string{"X", "W"}),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 4, 5)}, params: []string{"W"}})
	add(gradCase{name: "MatMul/broadcast,1d", xShape: []int64{4}, nodes: one("MatMul", []string{"X", "W"}),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 2, 4, 3)}, params: []string{"W"}})
	for _, op := range []string{"Add", "Sub", "Mul", "Div"} {
		add(gradCase{name: op + "/broadcast", xShape: []int64{2, 3, 4}, positive: op == "Div", nodes: one(op, []string{"X", "W"}),
			inits: []*onnxpb.TensorProto{fi(r, "W", op == "Div", 3, 1)}, params: []string{"W"}})
		add(gradCase{name: op + "/broadcast,swapped", xShape: []int64{4}, positive: op == "Div", nodes: one(op, []string{"W", "X"}),
			inits: []*onnxpb.TensorProto{fi(r, "W", false, 2, 4)}, params: []string{"W"}})
	}
	add(gradCase{name: "Pow", xShape: []int64{3, 4}, positive: true, nodes: one("Pow", []string{"X", "W"}),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 4)}, params: []string{"W"}})
	for _, op := range []string{"Sum", "Mean", "Max", "Min"} {
		add(gradCase{name: op, xShape: []int64{2, 3, 4}, nodes: one(op, []string{"X", "W1", "W2"}),
			inits: []*onnxpb.TensorProto{shifted(fi(r, "W1", false, 3, 4), 0.01), shifted(fi(r, "W2", false, 4), 0.005)}, params: []string{"W1", "W2"}})
	}
	add(gradCase{name: "Flatten", xShape: []int64{2, 3, 4}, nodes: one("Flatten", []string{"X"}, aInt("axis", 2))})
	add(gradCase{name: "Reshape", xShape: []int64{2, 3, 4}, nodes: one("Reshape", []string{"X", "shp"}),
		inits: []*onnxpb.TensorProto{int64Init("shp", []int64{4, -1}, 2)}})
	add(gradCase{name: "Transpose", xShape: []int64{2, 3, 4}, nodes: one("Transpose", []string{"X"}, aInts("perm", 2, 0, 1))})
	add(gradCase{name: "Squeeze+Unsqueeze", xShape: []int64{2, 1, 4},
		nodes: []*onnxpb.NodeProto{node("Squeeze", []string{"X", "ax"}, []string{"s"}), node("Unsqueeze", []string{"s", "ax2"}, []string{"Y"})},
		inits: []*onnxpb.TensorProto{int64Init("ax", []int64{1}, 1), int64Init("ax2", []int64{0, 3}, 2)}})
	add(gradCase{name: "Squeeze+Unsqueeze/opset11", opset: 11, xShape: []int64{2, 1, 4},
		nodes: []*onnxpb.NodeProto{node("Squeeze", []string{"X"}, []string{"s"}, aInts("axes", 1)), node("Unsqueeze", []string{"s"}, []string{"Y"}, aInts("axes", 0))}})
	add(gradCase{name: "Concat", xShape: []int64{2, 3}, nodes: one("Concat", []string{"X", "W", "X"}, aInt("axis", 1)),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 2, 2)}, params: []string{"W"}})
	add(gradCase{name: "Split", xShape: []int64{2, 5}, outputs: []string{"Y", "Z"},
		nodes: []*onnxpb.NodeProto{node("Split", []string{"X", "sp"}, []string{"Y", "Z"}, aInt("axis", 1))},
		inits: []*onnxpb.TensorProto{int64Init("sp", []int64{2, 3}, 2)}})
	add(gradCase{name: "Slice/steps,negative", xShape: []int64{3, 6}, nodes: one("Slice", []string{"X", "st", "en", "ax", "sp"}),
		inits: []*onnxpb.TensorProto{int64Init("st", []int64{-1, 1}, 2), int64Init("en", []int64{-100, 6}, 2),
			int64Init("ax", []int64{1, 0}, 2), int64Init("sp", []int64{-2, 1}, 2)}})
	add(gradCase{name: "Gather/duplicates", xShape: []int64{3, 4}, nodes: one("Gather", []string{"X", "idx"}, aInt("axis", 1)),
		inits: []*onnxpb.TensorProto{int64Init("idx", []int64{3, 0, 3, -1}, 2, 2)}})
	add(gradCase{name: "Pad/constant", xShape: []int64{1, 2, 3}, nodes: one("Pad", []string{"X", "pads", "cv"}),
		inits: []*onnxpb.TensorProto{int64Init("pads", []int64{0, 1, 2, 0, 0, 1}, 6), floatInit("cv", []float32{0.25})}, params: []string{"cv"}})
	add(gradCase{name: "Pad/reflect", xShape: []int64{1, 2, 4}, nodes: one("Pad", []string{"X", "pads"}, aStr("mode", "reflect")),
		inits: []*onnxpb.TensorProto{int64Init("pads", []int64{0, 0, 2, 0, 0, 1}, 6)}})
	add(gradCase{name: "Pad/edge,opset7", opset: 7, xShape: []int64{2, 3}, nodes: one("Pad", []string{"X"}, aStr("mode", "edge"), aInts("pads", 1, 0, 0, 2))})
	add(gradCase{name: "ReduceMean", xShape: []int64{2, 3, 4}, nodes: one("ReduceMean", []string{"X"}, aInts("axes", 0, -1), aInt("keepdims", 0))})
	add(gradCase{name: "ReduceSum/opset13", xShape: []int64{2, 3, 4}, nodes: one("ReduceSum", []string{"X", "ax"}),
		inits: []*onnxpb.TensorProto{int64Init("ax", []int64{1}, 1)}})
	for _, op := range []string{"ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMin"} {
		add(gradCase{name: op + "/opset18", opset: 18, xShape: []int64{2, 3, 4}, positive: op == "ReduceLogSum",
			nodes: one(op, []string{"X", "ax"}, aInt("keepdims", 0)), inits: []*onnxpb.TensorProto{int64Init("ax", []int64{0, 2}, 2)}})
	}
	add(gradCase{name: "GatherElements", xShape: []int64{3, 4}, nodes: one("GatherElements", []string{"X", "idx"}, aInt("axis", 1)),
		inits: []*onnxpb.TensorProto{int64Init("idx", []int64{3, 0, 3, -1, 1, 1, 2, 0, 0}, 3, 3)}})
	add(gradCase{name: "GatherND/batch_dims", xShape: []int64{2, 3, 4}, nodes: one("GatherND", []string{"X", "idx"}, aInt("batch_dims", 1)),
		inits: []*onnxpb.TensorProto{int64Init("idx", []int64{2, 0, 0, 0, 1, 1}, 2, 3, 1)}})
	for _, op := range []string{"ScatterElements", "ScatterND"} {
		idx := int64Init("idx", []int64{1, 0, 2, 1}, 2, 2)
		upd := fi(r, "U", false, 2, 2)
		if op == "ScatterND" {
			idx, upd = int64Init("idx", []int64{2, 0}, 2, 1), fi(r, "U", false, 2, 4)
		}
		add(gradCase{name: op, xShape: []int64{3, 4}, nodes: one(op, []string{"X", "idx", "U"}), inits: []*onnxpb.TensorProto{idx, upd}, params: []string{"U"}})
	}
	add(gradCase{name: "Tile", xShape: []int64{2, 3}, nodes: one("Tile", []string{"X", "rep"}),
		inits: []*onnxpb.TensorProto{int64Init("rep", []int64{2, 3}, 2)}})
	add(gradCase{name: "DepthToSpace/CRD", xShape: []int64{1, 8, 2, 3}, nodes: one("DepthToSpace", []string{"X"}, aInt("blocksize", 2), aStr("mode", "CRD"))})
	add(gradCase{name: "DepthToSpace/DCR", xShape: []int64{1, 8, 2, 3}, nodes: one("DepthToSpace", []string{"X"}, aInt("blocksize", 2))})
	add(gradCase{name: "SpaceToDepth", xShape: []int64{1, 2, 4, 6}, nodes: one("SpaceToDepth", []string{"X"}, aInt("blocksize", 2))})
	add(gradCase{name: "Trilu/lower,k", opset: 14, xShape: []int64{2, 3, 4}, nodes: one("Trilu", []string{"X", "k"}, aInt("upper", 0)),
		inits: []*onnxpb.TensorProto{int64Init("k", []int64{1})}})
	add(gradCase{name: "CumSum/exclusive,reverse", xShape: []int64{3, 4}, nodes: one("CumSum", []string{"X", "ax"}, aInt("exclusive", 1), aInt("reverse", 1)),
		inits: []*onnxpb.TensorProto{int64Init("ax", []int64{1})}})
	add(gradCase{name: "CumSum", xShape: []int64{3, 4}, nodes: one("CumSum", []string{"X", "ax"}), inits: []*onnxpb.TensorProto{int64Init("ax", []int64{0})}})
	add(gradCase{name: "TopK", xShape: []int64{3, 5}, outputs: []string{"Y"},
		nodes: []*onnxpb.NodeProto{node("TopK", []string{"X", "k"}, []string{"Y", "I"}, aInt("largest", 0))},
		inits: []*onnxpb.TensorProto{int64Init("k", []int64{2}, 1)}})
	add(gradCase{name: "Compress", xShape: []int64{3, 4}, nodes: one("Compress", []string{"X", "c"}, aInt("axis", 1)),
		inits: []*onnxpb.TensorProto{{Name: proto.String("c"), Dims: []int64{4}, DataType: proto.Int32(int32(onnxpb.TensorProto_BOOL)), Int32Data: []int32{1, 0, 1, 1}}}})
	// Recurrent nets: X [seq 3, batch 2, input 2], hidden 3; every
	// float input a parameter.
	rnnCase := func(name, op string, dirs int64, layout int64, lens bool, attrs ...*onnxpb.AttributeProto) {
		g := map[string]int64{"RNN": 1, "GRU": 3, "LSTM": 4}[op]
		xs, state := []int64{3, 2, 2}, []int64{dirs, 2, 3}
		if layout == 1 {
			xs, state = []int64{2, 3, 2}, []int64{2, dirs, 3}
		}
		in := []string{"X", "W", "R", "B", "", "H0"}
		inits := []*onnxpb.TensorProto{fi(r, "W", false, dirs, g*3, 2), fi(r, "R", false, dirs, g*3, 3), fi(r, "B", false, dirs, 2*g*3), fi(r, "H0", false, state...)}
		params := []string{"W", "R", "B", "H0"}
		outs := []string{"Y", "Y_h"}
		if lens {
			in[4] = "L"
			inits = append(inits, int64Init("L", []int64{3, 1}, 2))
		}
		if op == "LSTM" {
			in = append(in, "C0", "P")
			inits = append(inits, fi(r, "C0", false, state...), fi(r, "P", false, dirs, 9))
			params = append(params, "C0", "P")
			outs = append(outs, "Y_c")
		}
		dir := map[int64]string{1: "forward", 2: "bidirectional"}[dirs]
		attrs = append([]*onnxpb.AttributeProto{aInt("hidden_size", 3), aInt("layout", layout)}, attrs...)
		if !slices.ContainsFunc(attrs, func(a *onnxpb.AttributeProto) bool { return a.GetName() == "direction" }) {
			attrs = append(attrs, aStr("direction", dir))
		}
		add(gradCase{name: name, opset: 14, xShape: xs, nodes: []*onnxpb.NodeProto{node(op, in, outs, attrs...)},
			inits: inits, params: params, outputs: outs})
	}
	rnnCase("RNN/bidirectional,sequence_lens", "RNN", 2, 0, true)
	rnnCase("RNN/relu,layout1", "RNN", 1, 1, false, aStrings("activations", "Relu"))
	rnnCase("GRU", "GRU", 1, 0, false)
	rnnCase("GRU/linear_before_reset,bidirectional,layout1", "GRU", 2, 1, true, aInt("linear_before_reset", 1))
	rnnCase("LSTM/peepholes,reverse,sequence_lens", "LSTM", 1, 0, true, aStr("direction", "reverse"))
	rnnCase("LSTM/bidirectional,input_forget", "LSTM", 2, 0, false, aInt("input_forget", 1))
	add(gradCase{name: "LayerNormalization/axis1", opset: 17, xShape: []int64{2, 3, 4}, nodes: one("LayerNormalization", []string{"X", "S", "B"}, aInt("axis", 1)),
		inits: []*onnxpb.TensorProto{fi(r, "S", false, 3, 4), fi(r, "B", false, 3, 4)}, params: []string{"S", "B"}})
	add(gradCase{name: "RMSNormalization", opset: 23, xShape: []int64{2, 3, 4}, nodes: one("RMSNormalization", []string{"X", "S"}),
		inits: []*onnxpb.TensorProto{fi(r, "S", false, 4)}, params: []string{"S"}})
	add(gradCase{name: "InstanceNormalization", xShape: []int64{2, 3, 2, 3}, nodes: one("InstanceNormalization", []string{"X", "S", "B"}),
		inits: []*onnxpb.TensorProto{fi(r, "S", false, 3), fi(r, "B", false, 3)}, params: []string{"S", "B"}})
	add(gradCase{name: "GroupNormalization/opset21", opset: 21, xShape: []int64{2, 4, 3}, nodes: one("GroupNormalization", []string{"X", "S", "B"}, aInt("num_groups", 2)),
		inits: []*onnxpb.TensorProto{fi(r, "S", false, 4), fi(r, "B", false, 4)}, params: []string{"S", "B"}})
	add(gradCase{name: "GroupNormalization/opset18", opset: 18, xShape: []int64{2, 4, 3}, nodes: one("GroupNormalization", []string{"X", "S", "B"}, aInt("num_groups", 2)),
		inits: []*onnxpb.TensorProto{fi(r, "S", false, 2), fi(r, "B", false, 2)}, params: []string{"S", "B"}})
	add(gradCase{name: "MeanVarianceNormalization", xShape: []int64{2, 3, 2, 2}, nodes: one("MeanVarianceNormalization", []string{"X"})})
	for _, p := range []int64{1, 2} {
		add(gradCase{name: fmt.Sprintf("LpNormalization/p%d", p), xShape: []int64{3, 4}, nodes: one("LpNormalization", []string{"X"}, aInt("p", p), aInt("axis", 0))})
	}
	add(gradCase{name: "NegativeLogLikelihoodLoss/weights,ignore,mean", xShape: []int64{2, 3, 2},
		nodes: one("NegativeLogLikelihoodLoss", []string{"X", "t", "w"}, aInt("ignore_index", 1)),
		inits: []*onnxpb.TensorProto{int64Init("t", []int64{2, 1, 0, 2}, 2, 2), floatInit("w", []float32{0.5, 1, 2}, 3)}})
	add(gradCase{name: "NegativeLogLikelihoodLoss/none", xShape: []int64{3, 4},
		nodes: one("NegativeLogLikelihoodLoss", []string{"X", "t"}, aStr("reduction", "none")),
		inits: []*onnxpb.TensorProto{int64Init("t", []int64{3, 0, 1}, 3)}})
	add(gradCase{name: "SoftmaxCrossEntropyLoss/log_prob,sum", xShape: []int64{2, 3, 2}, outputs: []string{"Y", "LP"},
		nodes: []*onnxpb.NodeProto{node("SoftmaxCrossEntropyLoss", []string{"X", "t", "w"}, []string{"Y", "LP"}, aStr("reduction", "sum"))},
		inits: []*onnxpb.TensorProto{int64Init("t", []int64{2, 1, 0, 2}, 2, 2), floatInit("w", []float32{0.5, 1, 2}, 3)}})
	for _, c := range []struct {
		mode, ctm string
		scales    []float32
	}{{"linear", "half_pixel", []float32{1, 1, 2, 1.5}}, {"cubic", "align_corners", []float32{1, 1, 0.7, 2}},
		{"nearest", "asymmetric", []float32{1, 1, 1.5, 0.6}}, {"linear", "tf_crop_and_resize", []float32{1, 1, 2, 2}}} {
		inits := []*onnxpb.TensorProto{floatInit("roi", []float32{0, 0, 0.1, -0.2, 1, 1, 0.8, 1.1}, 8), floatInit("sc", c.scales, 4)}
		add(gradCase{name: "Resize/" + c.mode + "," + c.ctm, opset: 19, xShape: []int64{1, 2, 3, 4},
			nodes: one("Resize", []string{"X", "roi", "sc"}, aStr("mode", c.mode), aStr("coordinate_transformation_mode", c.ctm)), inits: inits})
	}
	add(gradCase{name: "ConvTranspose/groups,strides,pads,output_padding,dilations", xShape: []int64{2, 4, 3, 2},
		nodes: one("ConvTranspose", []string{"X", "W", "B"}, aInt("group", 2), aInts("strides", 2, 3), aInts("pads", 1, 0, 0, 1),
			aInts("output_padding", 1, 0), aInts("dilations", 1, 2)),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 4, 3, 2, 3), fi(r, "B", false, 6)}, params: []string{"W", "B"}})
	add(gradCase{name: "ConvTranspose/1d,output_shape", xShape: []int64{1, 2, 5},
		nodes: one("ConvTranspose", []string{"X", "W"}, aInts("strides", 2), aInts("output_shape", 12)),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 2, 3, 3)}, params: []string{"W"}})
	add(gradCase{name: "LpPool/p3,strides,pads", opset: 18, xShape: []int64{1, 2, 4, 5},
		nodes: one("LpPool", []string{"X"}, aInts("kernel_shape", 2, 3), aInt("p", 3), aInts("strides", 2, 1), aInts("pads", 1, 0, 0, 1))})
	add(gradCase{name: "LRN", xShape: []int64{2, 5, 2, 2}, nodes: one("LRN", []string{"X"}, aInt("size", 3), aFloat("alpha", 6), aFloat("beta", 0.8), aFloat("bias", 1))})
	add(gradCase{name: "Swish", opset: 24, xShape: []int64{3, 4}, nodes: one("Swish", []string{"X"}, aFloat("alpha", 1.3))})
	add(gradCase{name: "CenterCropPad/crop,pad", opset: 18, xShape: []int64{2, 5, 3}, nodes: one("CenterCropPad", []string{"X", "shp"}, aInts("axes", 1, 2)),
		inits: []*onnxpb.TensorProto{int64Init("shp", []int64{2, 6}, 2)}})
	add(gradCase{name: "ReverseSequence", xShape: []int64{4, 3, 2}, nodes: one("ReverseSequence", []string{"X", "len"}),
		inits: []*onnxpb.TensorProto{int64Init("len", []int64{4, 1, 3}, 3)}})
	add(gradCase{name: "ReduceSum/all,opset11", opset: 11, xShape: []int64{2, 3}, nodes: one("ReduceSum", []string{"X"}, aInt("keepdims", 0))})
	add(gradCase{name: "Softmax/axis1", xShape: []int64{2, 3, 4}, nodes: one("Softmax", []string{"X"}, aInt("axis", 1))})
	add(gradCase{name: "LogSoftmax/opset11,coerced", opset: 11, xShape: []int64{2, 3, 2}, nodes: one("LogSoftmax", []string{"X"})})
	add(gradCase{name: "Expand", xShape: []int64{3, 1}, nodes: one("Expand", []string{"X", "shp"}),
		inits: []*onnxpb.TensorProto{int64Init("shp", []int64{2, 3, 4}, 3)}})
	add(gradCase{name: "Where", xShape: []int64{2, 3}, nodes: one("Where", []string{"c", "X", "W"}),
		inits: []*onnxpb.TensorProto{{Name: proto.String("c"), Dims: []int64{3}, DataType: proto.Int32(int32(onnxpb.TensorProto_BOOL)), Int32Data: []int32{1, 0, 1}},
			fi(r, "W", false, 2, 1)}, params: []string{"W"}})
	add(gradCase{name: "Shape+Cast(no gradient through shapes)", xShape: []int64{3, 2},
		nodes: []*onnxpb.NodeProto{node("Shape", []string{"X"}, []string{"s"}), node("Cast", []string{"s"}, []string{"f"}, aInt("to", 1)),
			node("Mul", []string{"X", "f"}, []string{"Y"})}})
	transformerGradCases(r, add, one)
	for _, c := range ifGradCases(r) {
		add(c)
	}
	// (appended last: the cases above keep their random values)
	add(gradCase{name: "Conv/shifted,3x3,asymmetric pads", xShape: []int64{3, 2, 5, 4},
		nodes: one("Conv", []string{"X", "W", "B"}, aInts("pads", 1, 0, 2, 1)),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 3, 2, 3, 3), fi(r, "B", false, 3)}, params: []string{"W", "B"}})
	add(gradCase{name: "Conv/shifted,1d,k3", xShape: []int64{2, 3, 7},
		nodes: one("Conv", []string{"X", "W"}, aInts("pads", 1, 1)),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 2, 3, 3)}, params: []string{"W"}})
	add(gradCase{name: "Conv/shifted,2x1,no pads", xShape: []int64{2, 2, 4, 3},
		nodes: one("Conv", []string{"X", "W"}),
		inits: []*onnxpb.TensorProto{fi(r, "W", false, 2, 2, 2, 1)}, params: []string{"W"}})
	return cs
}

// TestGradFiniteDifferences checks every differentiable operator against
// central finite differences. The executor is float32, so the differences
// are taken on it with step h = 1e-3 and the loss L = Σ r·y accumulated in
// float64: the truncation error is O(h²) ~ 1e-6 and the rounding error
// about ε₃₂·|L|/h ~ 1e-4·|L|, so gradients must agree to 2e-3 relative to
// the largest one. Inputs are spaced 0.02 apart and away from zero (see
// gridValues), so no difference straddles a kink (Relu, Abs, Max, Clip,
// a pooling argmax).
func TestGradFiniteDifferences(t *testing.T) {
	for _, c := range gradCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			inits := c.inits
			b := model(c.opset, c.nodes, inits, []*onnxpb.ValueInfoProto{vinfo("X", onnxpb.TensorProto_FLOAT, c.xShape...)}, outInfo(c.outputs...))
			m, err := LoadBytesWith(b, LoadOptions{NoFold: c.noFold})
			if err != nil {
				t.Fatal(err)
			}
			gs, err := NewGradSession(m, c.params...)
			if err != nil {
				t.Fatal(err)
			}
			if err := gs.SetTraining(c.training); err != nil {
				t.Fatal(err)
			}
			shape := make([]int, len(c.xShape))
			for i, d := range c.xShape {
				shape[i] = int(d)
			}
			lo, hi, signed := 0.1, 1.0, true
			if c.positive {
				lo, hi, signed = 0.5, 1.5, false
			}
			x := &Tensor{DType: Float32, Shape: shape, F: gridValues(r, numel(shape), lo, hi, signed)}
			tape, err := gs.Forward(map[string]*Tensor{"X": x})
			if err != nil {
				t.Fatal(err)
			}
			seeds := map[string]*Tensor{}
			for _, o := range c.outputs {
				y, err := tape.Output(o)
				if err != nil {
					t.Fatal(err)
				}
				s := &Tensor{DType: Float32, Shape: y.Shape, F: make([]float32, len(y.F))}
				for i := range s.F {
					s.F[i] = float32(r.NormFloat64())
				}
				seeds[o] = s
			}
			grads, err := tape.Backward(seeds)
			if err != nil {
				t.Fatal(err)
			}
			loss := func() float64 {
				tp, err := gs.Forward(map[string]*Tensor{"X": x})
				if err != nil {
					t.Fatal(err)
				}
				var l float64
				for o, s := range seeds {
					y, _ := tp.Output(o)
					for i, v := range y.F {
						l += float64(v) * float64(s.F[i])
					}
				}
				return l
			}
			const h = 1e-3
			check := func(what string, data []float32, got []float32, set func()) {
				if len(got) != len(data) {
					t.Fatalf("%s: gradient has %d elements, want %d", what, len(got), len(data))
				}
				fd := make([]float64, len(data))
				scale := 1e-3
				for i := range data {
					v := data[i]
					data[i] = v + h
					set()
					lp := loss()
					data[i] = v - h
					set()
					lm := loss()
					data[i] = v
					set()
					fd[i] = (lp - lm) / (float64(data[i]+h) - float64(data[i]-h))
					scale = math.Max(scale, math.Abs(fd[i]))
				}
				for i := range data {
					if d := math.Abs(float64(got[i]) - fd[i]); d > 2e-3*scale {
						t.Errorf("%s[%d]: gradient %.6g, finite difference %.6g (|diff| %.3g > %.3g)", what, i, got[i], fd[i], d, 2e-3*scale)
					}
				}
			}
			check("X", x.F, grads.Inputs["X"].F, func() {})
			for _, p := range c.params {
				v := gs.Param(p).Clone()
				check(p, v.F, grads.Params[p].F, func() {
					if err := gs.SetParam(p, &Tensor{DType: Float32, Shape: v.Shape, F: append([]float32{}, v.F...)}); err != nil {
						t.Fatal(err)
					}
				})
			}
		})
	}
}

// TestTapeRelease: a released tape refuses further use, and a Forward on
// the recycled buffers gives the same gradients as a fresh one.
func TestTapeRelease(t *testing.T) {
	c := gradCases()[0] // Conv with groups
	b := model(c.opset, c.nodes, c.inits, []*onnxpb.ValueInfoProto{vinfo("X", onnxpb.TensorProto_FLOAT, c.xShape...)}, outInfo("Y"))
	m, err := LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	gs, err := NewGradSession(m, c.params...)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	x := &Tensor{DType: Float32, Shape: []int{2, 4, 5, 6}, F: gridValues(r, 240, 0.1, 1, true)}
	run := func() *Grads {
		tape, err := gs.Forward(map[string]*Tensor{"X": x})
		if err != nil {
			t.Fatal(err)
		}
		y, _ := tape.Output("Y")
		for i := range y.F {
			y.F[i] = float32(i%5) - 2
		}
		g, err := tape.Backward(map[string]*Tensor{"Y": y})
		if err != nil {
			t.Fatal(err)
		}
		tape.Release()
		if _, err := tape.Backward(map[string]*Tensor{"Y": y}); err == nil {
			t.Error("Backward on a released tape: no error")
		}
		if _, err := tape.Output("Y"); err == nil {
			t.Error("Output of a released tape: no error")
		}
		return g
	}
	g1, g2 := run(), run()
	for _, name := range []string{"W", "B"} {
		for i, v := range g1.Params[name].F {
			if g2.Params[name].F[i] != v {
				t.Fatalf("%s[%d]: %g on fresh buffers, %g on recycled ones", name, i, v, g2.Params[name].F[i])
			}
		}
	}
	for i, v := range g1.Inputs["X"].F {
		if g2.Inputs["X"].F[i] != v {
			t.Fatalf("X[%d]: %g on fresh buffers, %g on recycled ones", i, v, g2.Inputs["X"].F[i])
		}
	}
}
