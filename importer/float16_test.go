package importer

import (
	"math"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// TestFloat16 checks the decoding of FLOAT16/BFLOAT16 bits and the
// rounding of a Cast to them, on values worked out by hand.
func TestFloat16(t *testing.T) {
	half, bf := onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16
	for _, c := range []struct {
		et   onnxpb.TensorProto_DataType
		bits uint16
		want float32
	}{
		{half, 0x3c00, 1}, {half, 0xc000, -2}, {half, 0x7bff, 65504}, {half, 0x0001, 0x1p-24},
		{half, 0x03ff, 1023 * 0x1p-24}, {half, 0x7c00, float32(math.Inf(1))}, {half, 0x3555, 0x1.554p-2},
		{bf, 0x3f80, 1}, {bf, 0xc040, -3}, {bf, 0x3e4d, 0x1.9ap-3},
	} {
		if got := float16At(c.et, c.bits); got != c.want {
			t.Errorf("%v %#04x: got %v, want %v", c.et, c.bits, got, c.want)
		}
	}
	for _, c := range []struct{ in, half, bf float32 }{
		{1, 1, 1},
		{0.1, 0x1.998p-4, 0x1.9ap-4},
		{65504, 65504, 65536},
		{70000, float32(math.Inf(1)), 70144},
		{1e-8, 0, 0x1.58p-27}, // below half the smallest subnormal half (2^-25)
		{3e-8, 0x1p-24, 0x1.02p-25},
		{1 + 0x1p-11, 1, 1}, // a tie: to even
		{1 + 0x3p-11, 1 + 0x1p-9, 1},
	} {
		if got := roundFloat16(c.in); got != c.half {
			t.Errorf("roundFloat16(%v) = %v, want %v", c.in, got, c.half)
		}
		if got := roundBFloat16(c.in); got != c.bf {
			t.Errorf("roundBFloat16(%v) = %v, want %v", c.in, got, c.bf)
		}
	}
}
