package analysis

import (
	"errors"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/importer"
)

// Inputs of the wrong shape are reported with ErrShape.
func TestWrongShapeMatchesErrShape(t *testing.T) {
	m, err := importer.Load("../../testdata/importer/tiny_cnn.onnx")
	if err != nil {
		t.Fatal(err)
	}
	md, err := New(m, "probs", nil)
	if err != nil {
		t.Fatal(err)
	}
	ds := &concept.Dataset{Task: concept.TaskMulticlass, N: 2, D: 3, X: make([]float64, 6), Labels: []int64{0, 1}}
	if _, err := md.Loss(ds); !errors.Is(err, ErrShape) {
		t.Errorf("2 x 3 inputs: error %v does not match ErrShape", err)
	}
}
