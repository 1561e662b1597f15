package importer

import (
	"math"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

func doubleInit(name string, data []float64, dims ...int64) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: proto.String(name), Dims: dims,
		DataType: proto.Int32(int32(onnxpb.TensorProto_DOUBLE)), DoubleData: data}
}

// f64Tol bounds the relative error of the float64 graph below: measured
// 0 (only the order of the three-term sums can differ, 1e-16); computed
// in float32 it is 1.1e-2 (the 2^20 offset drops x's low bits; checked).
const f64Tol = 1e-12

// float64Model casts x [batch, 3] to double, adds and subtracts 2^20,
// multiplies by a double [3, 2] matrix, squares, takes the square root,
// sums over the batch and casts back (a seed for FuzzLoadBytes too).
func float64Model() []byte {
	f, d := onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_DOUBLE
	return model(13, []*onnxpb.NodeProto{
		node("Cast", []string{"x"}, []string{"x64"}, aInt("to", int64(d))),
		node("Add", []string{"x64", "c"}, []string{"a"}), node("Sub", []string{"a", "c"}, []string{"s"}),
		node("MatMul", []string{"s", "w"}, []string{"m"}), node("Mul", []string{"m", "m"}, []string{"q"}),
		node("Sqrt", []string{"q"}, []string{"r"}),
		node("ReduceSum", []string{"r", "axes"}, []string{"y64"}, aInt("keepdims", 0)),
		node("Transpose", []string{"y64"}, []string{"t"}),
		node("Cast", []string{"t"}, []string{"y"}, aInt("to", int64(f)))},
		[]*onnxpb.TensorProto{doubleInit("c", []float64{1 << 20}), doubleInit("w", []float64{1, -2, 0.5, 3, 1e-3, -1}, 3, 2),
			int64Init("axes", []int64{0}, 1)},
		[]*onnxpb.ValueInfoProto{vinfo("x", f, -1, 3)}, []*onnxpb.ValueInfoProto{vinfo("y", f, 2), vinfo("y64", d, 2)})
}

// A float64 graph computes in float64: x is cast to double, shifted by
// 2^20 and back (exact in float64, not in float32), multiplied by a
// double matrix, square-rooted and summed over rows, then cast to float.
func TestFloat64GraphComputesInFloat64(t *testing.T) {
	m, err := LoadBytes(float64Model())
	if err != nil {
		t.Fatal(err)
	}
	xs := []float32{0.125, -4.5, 2.3125, 0.0625, 7, -0.5}
	x, _ := NewFloat32(xs, 2, 3)
	out, err := NewSession(m).Run(map[string]*Tensor{"x": x})
	if err != nil {
		t.Fatal(err)
	}
	w := []float64{1, -2, 0.5, 3, 1e-3, -1}
	want := make([]float64, 2)
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			var s float64
			for k := 0; k < 3; k++ {
				s += float64(xs[i*3+k]) * w[k*2+j]
			}
			want[j] += math.Abs(s)
		}
	}
	y64 := out["y64"]
	if y64.DType != Float64 {
		t.Fatalf("y64 is %v", y64)
	}
	for j, v := range y64.Float64s() {
		if math.Abs(v-want[j]) > f64Tol*math.Abs(want[j]) {
			t.Errorf("y64[%d] = %.17g, want %.17g", j, v, want[j])
		}
		if y := out["y"].F[j]; y != float32(want[j]) {
			t.Errorf("y[%d] = %v, want %v", j, y, float32(want[j]))
		}
	}
}

// A float64 tensor round-trips through NewFloat64, Float64s and .npy.
func TestFloat64Tensor(t *testing.T) {
	v := []float64{1e300, -2.5, math.Pi, 0}
	x, err := NewFloat64(v, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	a := x.toNPY()
	back, err := fromNPY(a, Float64)
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range back.Float64s() {
		if g != v[i] {
			t.Errorf("element %d: %v, want %v", i, g, v[i])
		}
	}
}
