package analysis

import (
	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/importer"
)

// Inputs is the inputs of ds (concept.LoadExamples reads them from a
// file) as a float32 batch, shape [N]+ds.ExampleShape().
func Inputs(ds *concept.Dataset) *importer.Tensor {
	x := &importer.Tensor{DType: importer.Float32, Shape: append([]int{ds.N}, ds.ExampleShape()...), F: make([]float32, len(ds.X))}
	for i, v := range ds.X {
		x.F[i] = float32(v)
	}
	return x
}
