// Package dtype names the element types of tensors at the ONNX boundary:
// one enum for the exporter (export) and the importer (importer.DType is
// this type), with ONNX's TensorProto.DataType values.
//
//	g.Input("x", dtype.Float32, export.Batch, 20)
//	if t.DType == dtype.Int64 { ... }
//
// It imports nothing, so that both sides can use it without importing each
// other.
package dtype

import "fmt"

// DType is the element type of a tensor; its value is ONNX's
// TensorProto.DataType code.
type DType int32

// The element types hierlearn writes or computes with.
const (
	Float32 DType = 1  // TensorProto.FLOAT
	Uint8   DType = 2  // TensorProto.UINT8 (quantized models)
	Int8    DType = 3  // TensorProto.INT8 (quantized models)
	Uint16  DType = 4  // TensorProto.UINT16 (quantized models)
	Int16   DType = 5  // TensorProto.INT16 (quantized models)
	Int64   DType = 7  // TensorProto.INT64
	Bool    DType = 9  // TensorProto.BOOL
	Float64 DType = 11 // TensorProto.DOUBLE
)

// String is the Go name of the element type: float32, uint8, int8,
// uint16, int16, int64, bool, float64, or DType(code) for any other.
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Uint8:
		return "uint8"
	case Int8:
		return "int8"
	case Uint16:
		return "uint16"
	case Int16:
		return "int16"
	case Int64:
		return "int64"
	case Bool:
		return "bool"
	case Float64:
		return "float64"
	}
	return fmt.Sprintf("DType(%d)", int32(d))
}
