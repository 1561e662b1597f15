package importer

import (
	"fmt"
	"math"
	"strings"

	"github.com/hierlearn/hierlearn/dtype"
)

// DType is the element type of a Tensor: dtype.DType, the one element-type
// enum of hierlearn (ONNX's TensorProto.DataType codes), which the
// exporter uses too. The executor computes in float32; int64 and bool
// tensors carry shapes, indices and masks.
type DType = dtype.DType

// The element types a Tensor can hold.
const (
	Float32 = dtype.Float32
	Int64   = dtype.Int64
	Bool    = dtype.Bool
)

// Tensor is a dense C-order tensor. Float32 data lives in F; Int64 and
// Bool data (0 or 1) live in I.
type Tensor struct {
	DType DType
	Shape []int
	F     []float32
	I     []int64
}

// NewFloat32 wraps data (not copied) as a float32 tensor of the given shape.
func NewFloat32(data []float32, shape ...int) (*Tensor, error) {
	if n := numel(shape); n != len(data) {
		return nil, fmt.Errorf("importer: %d values for shape %v (want %d)", len(data), shape, n)
	}
	return &Tensor{DType: Float32, Shape: append([]int{}, shape...), F: data}, nil
}

// NewInt64 wraps data (not copied) as an int64 tensor of the given shape.
func NewInt64(data []int64, shape ...int) (*Tensor, error) {
	if n := numel(shape); n != len(data) {
		return nil, fmt.Errorf("importer: %d values for shape %v (want %d)", len(data), shape, n)
	}
	return &Tensor{DType: Int64, Shape: append([]int{}, shape...), I: data}, nil
}

// newTensor allocates a zero tensor.
func newTensor(dt DType, shape []int) *Tensor {
	t := &Tensor{DType: dt, Shape: append([]int{}, shape...)}
	n := numel(shape)
	if dt == Float32 {
		t.F = make([]float32, n)
	} else {
		t.I = make([]int64, n)
	}
	return t
}

// Len is the number of elements.
func (t *Tensor) Len() int { return numel(t.Shape) }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	c := &Tensor{DType: t.DType, Shape: append([]int{}, t.Shape...)}
	if t.F != nil {
		c.F = append([]float32{}, t.F...)
	}
	if t.I != nil {
		c.I = append([]int64{}, t.I...)
	}
	return c
}

// String summarises the tensor (type and shape).
func (t *Tensor) String() string { return fmt.Sprintf("%v%v", t.DType, t.Shape) }

// ints returns the data of an int64 tensor as ints.
func (t *Tensor) ints() []int {
	out := make([]int, len(t.I))
	for i, v := range t.I {
		out[i] = clampInt(v)
	}
	return out
}

// clampInt converts v to int, saturating where int is 32 bits: torch
// writes INT64_MAX as "to the end" (Slice), which must stay huge rather
// than wrap to -1, and a huge count must stay huge for the limits to
// catch it.
func clampInt(v int64) int {
	if v > math.MaxInt {
		return math.MaxInt
	}
	if v < math.MinInt {
		return math.MinInt
	}
	return int(v)
}

// floatAt returns element i as float64 whatever the type.
func (t *Tensor) floatAt(i int) float64 {
	switch t.DType {
	case Float32:
		return float64(t.F[i])
	case Float64:
		return f64at(t.I[i])
	}
	return float64(t.I[i])
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func shapeStr(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// stridesOf returns C-order strides.
func stridesOf(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
