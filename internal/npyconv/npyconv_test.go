package npyconv

import (
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/npy"
)

// TestRoundTrip: tensors of each element type survive Array then Tensor.
func TestRoundTrip(t *testing.T) {
	f, _ := importer.NewFloat32([]float32{1.5, -2, 3}, 3, 1)
	i, _ := importer.NewInt64([]int64{-7, 0, 9, 4}, 2, 2)
	b := &importer.Tensor{DType: importer.Bool, Shape: []int{2}, I: []int64{1, 0}}
	for _, c := range []*importer.Tensor{f, i, b} {
		a, err := Array(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Tensor(a, c.DType)
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != c.String() || len(got.F) != len(c.F) || len(got.I) != len(c.I) {
			t.Errorf("%v came back as %v", c, got)
		}
		for k := range c.F {
			if got.F[k] != c.F[k] {
				t.Errorf("%v came back as %v", c, got)
			}
		}
		for k := range c.I {
			if got.I[k] != c.I[k] {
				t.Errorf("%v came back as %v", c, got)
			}
		}
	}
	if _, err := Tensor(npy.NewFloat64([]float64{0.5}, 1), importer.Int64); err == nil {
		t.Errorf("0.5 became an int64")
	}
}
