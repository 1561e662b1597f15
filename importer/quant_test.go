package importer

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// rawInit is an initializer of a 1-byte integer type.
func rawInit(name string, elem onnxpb.TensorProto_DataType, data []int8, dims ...int64) *onnxpb.TensorProto {
	raw := make([]byte, len(data))
	for i, v := range data {
		raw[i] = byte(v)
	}
	return &onnxpb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(int32(elem)), RawData: raw}
}

func int32Init(name string, data []int32, dims ...int64) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(int32(onnxpb.TensorProto_INT32)), Int32Data: data}
}

// quantModel chains the quantization operators on x [batch, 2, 3, 3]
// (a seed for FuzzLoadBytes): QuantizeLinear, QLinearConv with
// per-channel weight scales and a bias, ConvInteger, DynamicQuantizeLinear,
// MatMulInteger, QLinearMatMul, per-axis DequantizeLinear.
func quantModel() []byte {
	f, u8, i8 := onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_UINT8, onnxpb.TensorProto_INT8
	nodes := []*onnxpb.NodeProto{
		node("QuantizeLinear", []string{"x", "xs", "xz"}, []string{"xq"}),
		node("QLinearConv", []string{"xq", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"}, []string{"cq"}, aInts("pads", 1, 1, 1, 1)),
		node("ConvInteger", []string{"xq", "w", "xz"}, []string{"ci"}, aInts("pads", 1, 1, 1, 1)),
		node("Cast", []string{"ci"}, []string{"cf"}, aInt("to", 1)),
		node("DequantizeLinear", []string{"cq", "ws", "cz"}, []string{"cd"}, aInt("axis", 1)),
		node("DynamicQuantizeLinear", []string{"cf"}, []string{"dq", "ds", "dz"}),
		node("Reshape", []string{"dq", "shape"}, []string{"dr"}),
		node("MatMulInteger", []string{"dr", "m", "dz"}, []string{"mi"}),
		node("Reshape", []string{"cq", "shape"}, []string{"cr"}),
		node("QLinearMatMul", []string{"cr", "ys", "yz", "m", "ms", "mz", "ys", "yz"}, []string{"qm"}),
		node("DequantizeLinear", []string{"qm", "ys", "yz"}, []string{"y"}),
	}
	inits := []*onnxpb.TensorProto{
		floatInit("xs", []float32{0.05}), rawInit("xz", u8, []int8{10}),
		rawInit("w", i8, []int8{1, -2, 3, 4, -5, 6, 7, 8, -9, 1, 1, 1, 2, 2, 2, -3, -3, -3,
			0, 1, 0, 1, 0, 1, 0, 1, 0, -127, 127, -1, 1, -1, 1, -1, 1, -1}, 2, 2, 3, 3),
		floatInit("ws", []float32{0.01, 0.02}, 2), rawInit("wz", i8, []int8{0, 0}, 2), rawInit("cz", u8, []int8{0, 3}, 2),
		floatInit("ys", []float32{0.1}), rawInit("yz", u8, []int8{-128}),
		int32Init("b", []int32{100, -50}, 2), int64Init("shape", []int64{-1, 9}, 2),
		rawInit("m", u8, []int8{1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 9, 2),
		floatInit("ms", []float32{0.5}), rawInit("mz", u8, []int8{5}),
	}
	return model(13, nodes, inits, []*onnxpb.ValueInfoProto{vinfo("x", f, -1, 2, 3, 3)},
		[]*onnxpb.ValueInfoProto{vinfo("y", f), vinfo("mi", onnxpb.TensorProto_INT32), vinfo("cd", f)})
}

// The quantization seed model loads and runs at two batch sizes.
func TestQuantModelRuns(t *testing.T) {
	m, err := LoadBytes(quantModel())
	if err != nil {
		t.Fatal(err)
	}
	for _, batch := range []int{1, 3} {
		x := newTensor(Float32, []int{batch, 2, 3, 3})
		for i := range x.F {
			x.F[i] = float32(i%7) - 2.5
		}
		out, err := NewSession(m).Run(map[string]*Tensor{"x": x})
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		if y := out["y"]; y.Len() != batch*2*2 {
			t.Errorf("batch %d: y is %v", batch, y)
		}
	}
}

// QuantizeLinear rounds half to even and saturates; DequantizeLinear
// inverts it per axis. Values worked out by hand.
func TestQuantizeLinearValues(t *testing.T) {
	f, u8, i8 := onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_UINT8, onnxpb.TensorProto_INT8
	for _, c := range []struct {
		name  string
		zp    *onnxpb.TensorProto
		scale []float32
		sdims []int64
		x     []float32
		want  []int64
	}{
		// x / 0.5 = 2.5 -> 2, 3.5 -> 4, -2.5 -> -2 (+ zero point 10); 1000 saturates.
		{"uint8 half to even", rawInit("z", u8, []int8{10}), []float32{0.5}, nil, []float32{1.25, 1.75, -1.25, 1000, -1000, 0}, []int64{12, 14, 8, 255, 0, 10}},
		{"int8 saturation", rawInit("z", i8, []int8{-1}), []float32{1}, nil, []float32{200, -200, 0.5, -0.5, 1.5, -127.5}, []int64{127, -128, -1, -1, 1, -128}},
		// axis 1 of [2, 3]: scales 1, 2, 4, zero points 0, 1, 2 (-3/2 = -1.5 -> -2).
		{"per axis", rawInit("z", i8, []int8{0, 1, 2}, 3), []float32{1, 2, 4}, []int64{3}, []float32{3, 3, 3, -3, -3, -3}, []int64{3, 3, 3, -3, -1, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := model(13, []*onnxpb.NodeProto{node("QuantizeLinear", []string{"x", "s", "z"}, []string{"y"})},
				[]*onnxpb.TensorProto{floatInit("s", c.scale, c.sdims...), c.zp},
				[]*onnxpb.ValueInfoProto{vinfo("x", f, 2, 3)}, []*onnxpb.ValueInfoProto{vinfo("y", onnxpb.TensorProto_DataType(c.zp.GetDataType()), 2, 3)})
			m, err := LoadBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			x, _ := NewFloat32(c.x, 2, 3)
			out, err := NewSession(m).Run(map[string]*Tensor{"x": x})
			if err != nil {
				t.Fatal(err)
			}
			y := out["y"]
			if y.DType != DType(c.zp.GetDataType()) {
				t.Errorf("type %v", y.DType)
			}
			for i, w := range c.want {
				if y.I[i] != w {
					t.Errorf("element %d: %d, want %d (all: %v)", i, y.I[i], w, y.I)
				}
			}
		})
	}
}

// Bad scales and zero points are clear errors naming the problem.
func TestQuantBadParams(t *testing.T) {
	f, u8, i8 := onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_UINT8, onnxpb.TensorProto_INT8
	x4 := []*onnxpb.ValueInfoProto{vinfo("x", f, 1, 2, 3, 3)}
	y := []*onnxpb.ValueInfoProto{vinfo("y", f)}
	q := func(opset int64, s, z *onnxpb.TensorProto, attrs ...*onnxpb.AttributeProto) []byte {
		return model(opset, []*onnxpb.NodeProto{node("QuantizeLinear", []string{"x", "s", "z"}, []string{"q"}, attrs...),
			node("DequantizeLinear", []string{"q", "s", "z"}, []string{"y"}, attrs...)},
			[]*onnxpb.TensorProto{s, z}, x4, y)
	}
	qconv := func(ws, wz *onnxpb.TensorProto, xz *onnxpb.TensorProto) []byte {
		return model(13, []*onnxpb.NodeProto{node("QuantizeLinear", []string{"x", "xs", "yz"}, []string{"xq"}),
			node("QLinearConv", []string{"xq", "xs", xz.GetName(), "w", "ws", "wz", "xs", "yz"}, []string{"c"}),
			node("DequantizeLinear", []string{"c", "xs", "yz"}, []string{"y"})},
			[]*onnxpb.TensorProto{floatInit("xs", []float32{0.1}), rawInit("yz", u8, []int8{0}), xz,
				rawInit("w", i8, make([]int8, 2*2*3*3), 2, 2, 3, 3), ws, wz}, x4, y)
	}
	okS, okZ := floatInit("ws", []float32{1, 1}, 2), rawInit("wz", i8, []int8{0, 0}, 2)
	for _, c := range []struct {
		name, want string
		b          []byte
	}{
		{"per-axis scale of the wrong length", "per-axis scale has shape [3]; want [2]",
			q(13, floatInit("s", []float32{1, 1, 1}, 3), rawInit("z", u8, []int8{0, 0, 0}, 3))},
		{"scale and zero point shapes differ", "scale shape [2] and zero point shape [1] differ",
			q(13, floatInit("s", []float32{1, 1}, 2), rawInit("z", u8, []int8{0}, 1))},
		{"per-axis scale before opset 13", "before opset 13 it must be a scalar",
			q(10, floatInit("s", []float32{1, 1}, 2), rawInit("z", u8, []int8{0, 0}, 2))},
		{"blocked scale of the wrong shape", "blocked scale has shape [1 2 3 3]; want [1 1 3 3]",
			q(21, floatInit("s", make([]float32, 18), 1, 2, 3, 3), rawInit("z", u8, make([]int8, 18), 1, 2, 3, 3), aInt("block_size", 2))},
		{"axis out of range", "axis 7 out of range",
			q(13, floatInit("s", []float32{1, 1}, 2), rawInit("z", u8, []int8{0, 0}, 2), aInt("axis", 7))},
		{"float zero point", "zero point of type float32",
			q(13, floatInit("s", []float32{1}), floatInit("z", []float32{0}))},
		{"w_scale of the wrong length", "w_scale has shape [3]; want a scalar or [2]",
			qconv(floatInit("ws", []float32{1, 1, 1}, 3), okZ, rawInit("xz", u8, []int8{0}))},
		{"w zero point of the wrong type", "w's zero point of type uint8 for an input of type int8",
			qconv(okS, rawInit("wz", u8, []int8{0, 0}, 2), rawInit("xz", u8, []int8{0}))},
		{"per-channel x zero point", "x's zero point has shape [2]",
			qconv(okS, okZ, rawInit("xz", u8, []int8{0, 0}, 2))},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := LoadBytes(c.b)
			if err == nil {
				x := newTensor(Float32, []int{1, 2, 3, 3})
				_, err = NewSession(m).Run(map[string]*Tensor{"x": x})
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			t.Log(err)
		})
	}
}
