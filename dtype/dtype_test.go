package dtype

import "testing"

// The values are ONNX's TensorProto.DataType codes, which files store.
func TestValuesAreONNXCodes(t *testing.T) {
	for _, tc := range []struct {
		d    DType
		code int32
		name string
	}{{Float32, 1, "float32"}, {Int64, 7, "int64"}, {Bool, 9, "bool"}, {Float64, 11, "float64"}, {Uint8, 2, "uint8"}, {Int8, 3, "int8"}, {Uint16, 4, "uint16"}, {Int16, 5, "int16"}, {DType(6), 6, "DType(6)"}} {
		if int32(tc.d) != tc.code || tc.d.String() != tc.name {
			t.Errorf("%v: code %d, want %d and name %q", tc.d, int32(tc.d), tc.code, tc.name)
		}
	}
}
