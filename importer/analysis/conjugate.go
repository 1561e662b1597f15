package analysis

import (
	"fmt"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// Conjugate is the conjugate kernel of a named tensor of the model: its
// features are that tensor's values for the example, flattened (the
// kernel.FeatureMap of the penultimate layer, say). Model params are not
// needed; build the Model with none.
type Conjugate struct {
	M     *Model
	Value string
	Batch int // examples per forward pass (0: 64)
}

func (c *Conjugate) String() string { return "conjugate(" + c.Value + ")" }

// Width runs one zero example to learn the tensor's size per example
// (0 on error; Features reports it).
func (c *Conjugate) Width(d int) int {
	f, err := c.Features(kernel.NewMatrix(1, c.M.Dim()))
	if err != nil {
		return 0
	}
	return f.Cols
}

// Features returns the named tensor of every row of x, flattened.
func (c *Conjugate) Features(x kernel.Matrix) (kernel.Matrix, error) {
	bs := c.Batch
	if bs <= 0 {
		bs = 64
	}
	if c.M.fixedBatch > 0 {
		bs = c.M.fixedBatch
	}
	var out kernel.Matrix
	for i0 := 0; i0 < x.Rows; i0 += bs {
		i1 := min(i0+bs, x.Rows)
		xs, err := c.M.Rows(x.SliceRows(i0, i1))
		if err != nil {
			return kernel.Matrix{}, err
		}
		tape, _, err := c.M.Forward(xs)
		if err != nil {
			return kernel.Matrix{}, err
		}
		v, err := tape.Value(c.Value)
		tape.Release()
		if err != nil {
			return kernel.Matrix{}, fmt.Errorf("analysis: %w", err)
		}
		if len(v.Shape) == 0 || v.Shape[0] != i1-i0 {
			return kernel.Matrix{}, fmt.Errorf("analysis: tensor %q has shape %v for a batch of %d; want the batch first", c.Value, v.Shape, i1-i0)
		}
		w := len(v.F) / (i1 - i0)
		if out.Data == nil {
			out = kernel.NewMatrix(x.Rows, w)
		}
		for k, f := range v.F {
			out.Data[i0*w+k] = float64(f)
		}
	}
	return out, nil
}

// ConjugateMap is the conjugate kernel's feature map of the named tensor
// of m (output "" = the first; it fixes the input's batch layout), for
// kernel.FeatureKernel.
func ConjugateMap(m *importer.Model, value string) (kernel.FeatureMap, error) {
	md, err := New(m, "", nil)
	if err != nil {
		return nil, err
	}
	c := &Conjugate{M: md, Value: value}
	if _, err := c.Features(kernel.NewMatrix(1, md.Dim())); err != nil {
		return nil, err
	}
	return c, nil
}
