package analysis

import (
	"fmt"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/npy"
)

// Dataset is inputs with either integer class labels (cross-entropy on
// the output's logits) or float targets of the output's shape (mean
// squared error).
type Dataset struct {
	X       *importer.Tensor
	Labels  []int64
	Targets *importer.Tensor
}

// N is the number of examples.
func (ds *Dataset) N() int { return ds.X.Shape[0] }

// LoadDataset reads an .npz with members x (float, [N, ...]) and y (int64
// labels [N], or float targets [N, ...]).
func LoadDataset(path string) (*Dataset, error) {
	z, err := npy.ReadNPZ(path)
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	xa, err := z.Get("x")
	if err != nil {
		return nil, fmt.Errorf("analysis: %s: %w", path, err)
	}
	if xa.DType != npy.Float32 && xa.DType != npy.Float64 || len(xa.Shape) < 1 || xa.Shape[0] == 0 {
		return nil, fmt.Errorf("analysis: %s: x must be a float array with examples on axis 0, is %v%v", path, xa.DType, xa.Shape)
	}
	ds := &Dataset{X: &importer.Tensor{DType: importer.Float32, Shape: append([]int{}, xa.Shape...), F: xa.Float32s()}}
	ya, err := z.Get("y")
	if err != nil {
		return ds, nil // inputs only
	}
	if ya.Len() == 0 || ya.Shape[0] != xa.Shape[0] {
		return nil, fmt.Errorf("analysis: %s: y has shape %v for %d examples", path, ya.Shape, xa.Shape[0])
	}
	if ya.DType == npy.Int64 {
		if len(ya.Shape) != 1 {
			return nil, fmt.Errorf("analysis: %s: integer labels y must be 1-D, are %v", path, ya.Shape)
		}
		ds.Labels = ya.I64
	} else {
		ds.Targets = &importer.Tensor{DType: importer.Float32, Shape: append([]int{}, ya.Shape...), F: ya.Float32s()}
	}
	return ds, nil
}
