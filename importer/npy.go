package importer

import (
	"fmt"
	"io"
	"math"

	"github.com/hierlearn/hierlearn/internal/npy"
)

// ReadNPY reads an .npy file as a tensor of element type want, casting
// as needed (float64 and int64 arrays feed float32 tensors; integer
// arrays feed int64 and bool tensors).
func ReadNPY(path string, want DType) (*Tensor, error) {
	a, err := npy.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	t, err := fromNPY(a, want)
	if err != nil {
		return nil, fmt.Errorf("importer: %s: %w", path, err)
	}
	return t, nil
}

// DecodeNPY reads one .npy array from r as a tensor of element type
// want, casting as ReadNPY does.
func DecodeNPY(r io.Reader, want DType) (*Tensor, error) {
	a, err := npy.Read(r)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	t, err := fromNPY(a, want)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	return t, nil
}

// WriteNPY writes the tensor to w in .npy format (bool tensors as uint8).
func (t *Tensor) WriteNPY(w io.Writer) error {
	if err := npy.Write(w, t.toNPY()); err != nil {
		return fmt.Errorf("importer: %w", err)
	}
	return nil
}

// fromNPY converts an .npy array to a tensor of element type want (see
// ReadNPY).
func fromNPY(a *npy.Array, want DType) (*Tensor, error) {
	shape := append([]int{}, a.Shape...)
	n := numel(shape)
	t := &Tensor{DType: want, Shape: shape}
	switch want {
	case Float32:
		t.F = make([]float32, n)
		switch a.DType {
		case npy.Float32:
			copy(t.F, a.F32)
		case npy.Float64:
			for i, v := range a.F64 {
				t.F[i] = float32(v)
			}
		case npy.Int64:
			for i, v := range a.I64 {
				t.F[i] = float32(v)
			}
		case npy.Uint8:
			for i, v := range a.U8 {
				t.F[i] = float32(v)
			}
		default:
			return nil, fmt.Errorf("cannot cast %v to float32", a.DType)
		}
	case Float64:
		t.I = make([]int64, n)
		for i := range t.I {
			switch a.DType {
			case npy.Float64:
				t.I[i] = f64bits(a.F64[i])
			case npy.Float32:
				t.I[i] = f64bits(float64(a.F32[i]))
			case npy.Int64:
				t.I[i] = f64bits(float64(a.I64[i]))
			case npy.Uint8:
				t.I[i] = f64bits(float64(a.U8[i]))
			default:
				return nil, fmt.Errorf("cannot cast %v to float64", a.DType)
			}
		}
	case Int64, Bool, Uint8, Int8, Uint16, Int16:
		t.I = make([]int64, n)
		switch a.DType {
		case npy.Int64:
			copy(t.I, a.I64)
		case npy.Uint8:
			for i, v := range a.U8 {
				t.I[i] = int64(v)
			}
		case npy.Float32, npy.Float64:
			for i := 0; i < n; i++ {
				var v float64
				if a.DType == npy.Float32 {
					v = float64(a.F32[i])
				} else {
					v = a.F64[i]
				}
				if v != math.Trunc(v) {
					return nil, fmt.Errorf("value %v is not an integer", v)
				}
				t.I[i] = int64(v)
			}
		default:
			return nil, fmt.Errorf("cannot cast %v to %v", a.DType, want)
		}
		if want == Bool {
			for i, v := range t.I {
				if v != 0 {
					t.I[i] = 1
				}
			}
		}
		if lo, hi := intRange(want); isNarrow(want) {
			for _, v := range t.I {
				if v < lo || v > hi {
					return nil, fmt.Errorf("value %d is out of the range of %v", v, want)
				}
			}
		}
	default:
		return nil, fmt.Errorf("unknown element type %v", want)
	}
	return t, nil
}

// toNPY converts a tensor to an .npy array (bool tensors become uint8;
// int8, int16 and uint16 ones int64).
func (t *Tensor) toNPY() *npy.Array {
	shape := append([]int{}, t.Shape...)
	switch t.DType {
	case Float32:
		return npy.NewFloat32(append([]float32{}, t.F...), shape...)
	case Float64:
		return npy.NewFloat64(t.Float64s(), shape...)
	case Bool, Uint8:
		b := make([]byte, len(t.I))
		for i, v := range t.I {
			b[i] = byte(v)
		}
		return &npy.Array{DType: npy.Uint8, Shape: shape, U8: b}
	default:
		return npy.NewInt64(append([]int64{}, t.I...), shape...)
	}
}
