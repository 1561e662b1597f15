package npy

import (
	"fmt"
)

// DType is the element type of an Array.
type DType int

// The element types an Array can hold.
const (
	Float32 DType = iota + 1
	Float64
	Int64
	Uint8
)

func (t DType) String() string {
	switch t {
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	case Int64:
		return "int64"
	case Uint8:
		return "uint8"
	}
	return fmt.Sprintf("DType(%d)", int(t))
}

// descr is the numpy dtype string written for t.
func (t DType) descr() string {
	switch t {
	case Float32:
		return "<f4"
	case Float64:
		return "<f8"
	case Int64:
		return "<i8"
	case Uint8:
		return "|u1"
	}
	return ""
}

// Array is an n-dimensional C-order array. Exactly one of F32, F64, I64
// and U8 holds the data, according to DType.
type Array struct {
	DType DType
	Shape []int
	F32   []float32
	F64   []float64
	I64   []int64
	U8    []byte
}

// NewBytes wraps b as a 1-D uint8 array; used for metadata members such as
// a JSON document (in numpy: bytes(z["meta"]).decode()).
func NewBytes(b []byte) *Array {
	return &Array{DType: Uint8, Shape: []int{len(b)}, U8: b}
}

// Bytes returns the data of a uint8 array, or an error for other types.
func (a *Array) Bytes() ([]byte, error) {
	if a.DType != Uint8 {
		return nil, fmt.Errorf("array is %v, want uint8", a.DType)
	}
	return a.U8, nil
}

// NewFloat64 wraps data (not copied) as a float64 array of the given shape.
// It panics if len(data) does not match the shape.
func NewFloat64(data []float64, shape ...int) *Array {
	checkLen(len(data), shape)
	return &Array{DType: Float64, Shape: append([]int{}, shape...), F64: data}
}

// NewFloat32 wraps data (not copied) as a float32 array of the given shape.
func NewFloat32(data []float32, shape ...int) *Array {
	checkLen(len(data), shape)
	return &Array{DType: Float32, Shape: append([]int{}, shape...), F32: data}
}

// NewInt64 wraps data (not copied) as an int64 array of the given shape.
func NewInt64(data []int64, shape ...int) *Array {
	checkLen(len(data), shape)
	return &Array{DType: Int64, Shape: append([]int{}, shape...), I64: data}
}

func checkLen(n int, shape []int) {
	if s := Size(shape); s != n {
		panic(fmt.Sprintf("npy: %d elements do not fill shape %v (%d)", n, shape, s))
	}
}

// Size is the number of elements of shape (1 for a scalar).
func Size(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// Len is the number of elements.
func (a *Array) Len() int {
	switch a.DType {
	case Float32:
		return len(a.F32)
	case Float64:
		return len(a.F64)
	case Int64:
		return len(a.I64)
	case Uint8:
		return len(a.U8)
	}
	return 0
}

// Float64s returns the data as float64, converting (into a new slice) when
// the array holds another type and sharing the data when it is float64.
func (a *Array) Float64s() []float64 {
	switch a.DType {
	case Float64:
		return a.F64
	case Float32:
		return convert[float64](a.F32)
	case Int64:
		return convert[float64](a.I64)
	case Uint8:
		return convert[float64](a.U8)
	}
	return nil
}

// Float32s returns the data as float32, converting when needed.
func (a *Array) Float32s() []float32 {
	switch a.DType {
	case Float32:
		return a.F32
	case Float64:
		return convert[float32](a.F64)
	case Int64:
		return convert[float32](a.I64)
	case Uint8:
		return convert[float32](a.U8)
	}
	return nil
}

// convert returns a new slice holding src's values converted to D.
func convert[D, S float32 | float64 | int64 | uint8](src []S) []D {
	out := make([]D, len(src))
	for i, v := range src {
		out[i] = D(v)
	}
	return out
}

// Matrix returns the array as rows x cols float64 data, requiring a 2-D
// array (or a 1-D one, taken as a column). name is used in the error.
func (a *Array) Matrix(name string) (data []float64, rows, cols int, err error) {
	switch len(a.Shape) {
	case 1:
		return a.Float64s(), a.Shape[0], 1, nil
	case 2:
		return a.Float64s(), a.Shape[0], a.Shape[1], nil
	}
	return nil, 0, 0, fmt.Errorf("array %q has shape %v, want a matrix (n x d)", name, a.Shape)
}
