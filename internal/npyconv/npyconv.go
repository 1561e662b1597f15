// Package npyconv converts between importer tensors and this module's
// internal npy arrays, for the commands and tools that hold both:
//
//	a, err := npyconv.Array(t)                  // *importer.Tensor -> *npy.Array
//	t, err := npyconv.Tensor(a, importer.Int64) // *npy.Array -> *importer.Tensor
//
// It goes through the importer's public .npy encoding (Tensor.WriteNPY,
// importer.DecodeNPY), so that the importer's API names no internal type.
package npyconv

import (
	"bytes"
	"fmt"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/npy"
)

// Array converts a tensor to an array (bool tensors become uint8).
func Array(t *importer.Tensor) (*npy.Array, error) {
	var b bytes.Buffer
	if err := t.WriteNPY(&b); err != nil {
		return nil, fmt.Errorf("npyconv: %w", err)
	}
	a, err := npy.Read(&b)
	if err != nil {
		return nil, fmt.Errorf("npyconv: %w", err)
	}
	return a, nil
}

// Tensor converts an array to a tensor of element type want, casting as
// importer.ReadNPY does.
func Tensor(a *npy.Array, want importer.DType) (*importer.Tensor, error) {
	var b bytes.Buffer
	if err := npy.Write(&b, a); err != nil {
		return nil, fmt.Errorf("npyconv: %w", err)
	}
	t, err := importer.DecodeNPY(&b, want)
	if err != nil {
		return nil, fmt.Errorf("npyconv: %w", err)
	}
	return t, nil
}
