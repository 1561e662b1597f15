package importer

import (
	"math"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

func aInts(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Ints: v, Type: onnxpb.AttributeProto_INTS.Enum()}
}

func aInt(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), I: proto.Int64(v), Type: onnxpb.AttributeProto_INT.Enum()}
}

func aFloat(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), F: proto.Float32(v), Type: onnxpb.AttributeProto_FLOAT.Enum()}
}

func aString(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), S: []byte(v), Type: onnxpb.AttributeProto_STRING.Enum()}
}

// TestOpsetForms checks the attribute and input forms of the operators
// whose signature changed between opsets 7 and 18, on hand-computed
// results. x is [[1,-2,3],[-4,5,-6]].
func TestOpsetForms(t *testing.T) {
	x := []float32{1, -2, 3, -4, 5, -6}
	sm := func(v []float64) []float32 { // softmax of v
		var s float64
		for _, e := range v {
			s += math.Exp(e)
		}
		out := make([]float32, len(v))
		for i, e := range v {
			out[i] = float32(math.Exp(e) / s)
		}
		return out
	}
	col0, col1, col2 := sm([]float64{1, -4}), sm([]float64{-2, 5}), sm([]float64{3, -6})
	type out struct {
		shape []int
		data  []float32
	}
	cases := []struct {
		name  string
		opset int64
		nodes []*onnxpb.NodeProto
		inits []*onnxpb.TensorProto
		outs  []out
	}{
		{"Unsqueeze attr", 11, []*onnxpb.NodeProto{node("Unsqueeze", []string{"x"}, []string{"y"}, aInts("axes", 0))}, nil,
			[]out{{[]int{1, 2, 3}, x}}},
		{"Unsqueeze input", 13, []*onnxpb.NodeProto{node("Unsqueeze", []string{"x", "a"}, []string{"y"})},
			[]*onnxpb.TensorProto{int64Init("a", []int64{-1}, 1)}, []out{{[]int{2, 3, 1}, x}}},
		{"Squeeze attr", 11, []*onnxpb.NodeProto{node("Unsqueeze", []string{"x"}, []string{"u"}, aInts("axes", 1)),
			node("Squeeze", []string{"u"}, []string{"y"}, aInts("axes", 1))}, nil, []out{{[]int{2, 3}, x}}},
		{"Squeeze input", 13, []*onnxpb.NodeProto{node("Unsqueeze", []string{"x", "a"}, []string{"u"}),
			node("Squeeze", []string{"u", "a"}, []string{"y"})},
			[]*onnxpb.TensorProto{int64Init("a", []int64{0}, 1)}, []out{{[]int{2, 3}, x}}},
		{"ReduceSum attr", 11, []*onnxpb.NodeProto{node("ReduceSum", []string{"x"}, []string{"y"}, aInts("axes", 1), aInt("keepdims", 0))}, nil,
			[]out{{[]int{2}, []float32{2, -5}}}},
		{"ReduceSum input", 13, []*onnxpb.NodeProto{node("ReduceSum", []string{"x", "a"}, []string{"y"}, aInt("keepdims", 0))},
			[]*onnxpb.TensorProto{int64Init("a", []int64{0}, 1)}, []out{{[]int{3}, []float32{-3, 3, -3}}}},
		{"ReduceSum all", 13, []*onnxpb.NodeProto{node("ReduceSum", []string{"x"}, []string{"y"})}, nil,
			[]out{{[]int{1, 1}, []float32{-3}}}},
		{"ReduceMean", 13, []*onnxpb.NodeProto{node("ReduceMean", []string{"x"}, []string{"y"}, aInts("axes", -1))}, nil,
			[]out{{[]int{2, 1}, []float32{2.0 / 3, -5.0 / 3}}}},
		{"Split attr", 11, []*onnxpb.NodeProto{node("Split", []string{"x"}, []string{"y", "z"}, aInt("axis", 1), aInts("split", 1, 2))}, nil,
			[]out{{[]int{2, 1}, []float32{1, -4}}, {[]int{2, 2}, []float32{-2, 3, 5, -6}}}},
		{"Split input", 13, []*onnxpb.NodeProto{node("Split", []string{"x", "s"}, []string{"y", "z"}, aInt("axis", 1))},
			[]*onnxpb.TensorProto{int64Init("s", []int64{2, 1}, 2)},
			[]out{{[]int{2, 2}, []float32{1, -2, -4, 5}}, {[]int{2, 1}, []float32{3, -6}}}},
		{"Split num_outputs, uneven", 18, []*onnxpb.NodeProto{node("Split", []string{"x"}, []string{"y", "z"}, aInt("axis", 1), aInt("num_outputs", 2))}, nil,
			[]out{{[]int{2, 2}, []float32{1, -2, -4, 5}}, {[]int{2, 1}, []float32{3, -6}}}},
		{"ReduceMean axes input", 18, []*onnxpb.NodeProto{node("ReduceMean", []string{"x", "a"}, []string{"y"}, aInt("keepdims", 0))},
			[]*onnxpb.TensorProto{int64Init("a", []int64{0}, 1)}, []out{{[]int{3}, []float32{-1.5, 1.5, -1.5}}}},
		{"Pad axes input", 18, []*onnxpb.NodeProto{node("Pad", []string{"x", "p", "", "a"}, []string{"y"})},
			[]*onnxpb.TensorProto{int64Init("p", []int64{1, 0}, 2), int64Init("a", []int64{-1}, 1)},
			[]out{{[]int{2, 4}, []float32{0, 1, -2, 3, 0, -4, 5, -6}}}},
		{"Clip attrs", 10, []*onnxpb.NodeProto{node("Clip", []string{"x"}, []string{"y"}, aFloat("min", -1), aFloat("max", 2))}, nil,
			[]out{{[]int{2, 3}, []float32{1, -1, 2, -1, 2, -1}}}},
		{"Clip inputs", 11, []*onnxpb.NodeProto{node("Clip", []string{"x", "lo"}, []string{"y"})},
			[]*onnxpb.TensorProto{floatInit("lo", []float32{-1})}, []out{{[]int{2, 3}, []float32{1, -1, 3, -1, 5, -1}}}},
		{"Pad attrs", 10, []*onnxpb.NodeProto{node("Pad", []string{"x"}, []string{"y"}, aInts("pads", 0, 1, 0, 0), aFloat("value", 9))}, nil,
			[]out{{[]int{2, 4}, []float32{9, 1, -2, 3, 9, -4, 5, -6}}}},
		{"Pad input", 11, []*onnxpb.NodeProto{node("Pad", []string{"x", "p"}, []string{"y"})},
			[]*onnxpb.TensorProto{int64Init("p", []int64{1, 0, 0, 0}, 4)}, []out{{[]int{3, 3}, append([]float32{0, 0, 0}, x...)}}},
		{"Pad reflect", 13, []*onnxpb.NodeProto{node("Pad", []string{"x", "p"}, []string{"y"}, aString("mode", "reflect"))},
			[]*onnxpb.TensorProto{int64Init("p", []int64{0, 1, 0, 1}, 4)},
			[]out{{[]int{2, 5}, []float32{-2, 1, -2, 3, -2, 5, -4, 5, -6, 5}}}},
		{"Pad edge, crop", 13, []*onnxpb.NodeProto{node("Pad", []string{"x", "p"}, []string{"y"}, aString("mode", "edge"))},
			[]*onnxpb.TensorProto{int64Init("p", []int64{0, -1, 0, 1}, 4)},
			[]out{{[]int{2, 3}, []float32{-2, 3, 3, 5, -6, -6}}}},
		{"Slice attrs", 9, []*onnxpb.NodeProto{node("Slice", []string{"x"}, []string{"y"}, aInts("starts", 1), aInts("ends", 3), aInts("axes", 1))}, nil,
			[]out{{[]int{2, 2}, []float32{-2, 3, 5, -6}}}},
		{"Slice inputs, negative step", 10, []*onnxpb.NodeProto{node("Slice", []string{"x", "s", "e", "a", "st"}, []string{"y"})},
			[]*onnxpb.TensorProto{int64Init("s", []int64{-1}, 1), int64Init("e", []int64{-100}, 1),
				int64Init("a", []int64{1}, 1), int64Init("st", []int64{-1}, 1)},
			[]out{{[]int{2, 3}, []float32{3, -2, 1, -6, 5, -4}}}},
		{"Softmax coerced 2-D", 11, []*onnxpb.NodeProto{node("Softmax", []string{"x"}, []string{"y"}, aInt("axis", 0))}, nil,
			[]out{{[]int{2, 3}, sm([]float64{1, -2, 3, -4, 5, -6})}}},
		{"Softmax along axis", 13, []*onnxpb.NodeProto{node("Softmax", []string{"x"}, []string{"y"}, aInt("axis", 0))}, nil,
			[]out{{[]int{2, 3}, []float32{col0[0], col1[0], col2[0], col0[1], col1[1], col2[1]}}}},
		{"Gemm transB alpha beta", 13, []*onnxpb.NodeProto{node("Gemm", []string{"x", "w", "c"}, []string{"y"},
			aInt("transB", 1), aFloat("alpha", 2), aFloat("beta", 0.5))},
			[]*onnxpb.TensorProto{floatInit("w", []float32{1, 0, 1, 0, 1, 0}, 2, 3), floatInit("c", []float32{2, 4}, 2)},
			// x·wᵀ = [[4,-2],[-10,5]]; 2·that + 0.5·c
			[]out{{[]int{2, 2}, []float32{9, -2, -19, 12}}}},
		{"Flatten, Transpose, Concat", 13, []*onnxpb.NodeProto{node("Transpose", []string{"x"}, []string{"t"}),
			node("Flatten", []string{"t"}, []string{"f"}, aInt("axis", 0)), node("Concat", []string{"f", "f"}, []string{"y"}, aInt("axis", 0))}, nil,
			[]out{{[]int{2, 6}, []float32{1, -4, -2, 5, 3, -6, 1, -4, -2, 5, 3, -6}}}},
		{"Where, Equal, Expand", 13, []*onnxpb.NodeProto{node("Abs", []string{"x"}, []string{"ab"}), node("Equal", []string{"x", "ab"}, []string{"pos"}),
			node("Expand", []string{"z", "s"}, []string{"zz"}), node("Where", []string{"pos", "x", "zz"}, []string{"y"})},
			[]*onnxpb.TensorProto{floatInit("z", []float32{0}, 1), int64Init("s", []int64{2, 3}, 2)},
			[]out{{[]int{2, 3}, []float32{1, 0, 3, 0, 5, 0}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var outs []*onnxpb.ValueInfoProto
			for _, n := range c.nodes[len(c.nodes)-1].Output {
				outs = append(outs, &onnxpb.ValueInfoProto{Name: proto.String(n)})
			}
			b := model(c.opset, c.nodes, c.inits, []*onnxpb.ValueInfoProto{vinfo("x", onnxpb.TensorProto_FLOAT, 2, 3)}, outs)
			m, err := LoadBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			got, err := NewSession(m).Run(map[string]*Tensor{"x": {DType: Float32, Shape: []int{2, 3}, F: x}})
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range c.outs {
				g := got[m.Outputs[i].Name]
				want := &Tensor{DType: Float32, Shape: o.shape, F: o.data}
				if err := closeEnough(g, want, 1e-6, 1e-7); err != nil {
					t.Errorf("output %d: %v (got %v %v)", i, err, g.Shape, g.F)
				}
			}
		})
	}
}
