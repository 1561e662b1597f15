package importer

import (
	"slices"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// TestPadWrapNegativePads checks Pad-19's wrap mode where pads are
// negative: as in ONNX's reference, the input is cropped first and the
// padding wraps around what is left.
func TestPadWrapNegativePads(t *testing.T) {
	f := onnxpb.TensorProto_FLOAT
	for _, c := range []struct {
		pads []int64
		want []float32
	}{
		{[]int64{0, 0}, []float32{1, 2, 3, 4, 5}},
		{[]int64{2, 3}, []float32{4, 5, 1, 2, 3, 4, 5, 1, 2, 3}},
		{[]int64{-1, 3}, []float32{2, 3, 4, 5, 2, 3, 4}},
		{[]int64{2, -2}, []float32{2, 3, 1, 2, 3}},
		{[]int64{-2, -1}, []float32{3, 4}},
		{[]int64{7, 0}, []float32{4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5}},
	} {
		b := model(19, []*onnxpb.NodeProto{node("Pad", []string{"x", "pads"}, []string{"y"}, aStr("mode", "wrap"))},
			[]*onnxpb.TensorProto{int64Init("pads", c.pads, 2)},
			[]*onnxpb.ValueInfoProto{vinfo("x", f, 5)}, []*onnxpb.ValueInfoProto{vinfo("y", f, int64(len(c.want)))})
		m, err := LoadBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		x, _ := NewFloat32([]float32{1, 2, 3, 4, 5}, 5)
		out, err := NewSession(m).Run(map[string]*Tensor{"x": x})
		if err != nil {
			t.Fatalf("pads %v: %v", c.pads, err)
		}
		if got := out["y"].F; !slices.Equal(got, c.want) {
			t.Errorf("pads %v: %v, want %v", c.pads, got, c.want)
		}
	}
}
