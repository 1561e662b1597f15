package analysis

import (
	"fmt"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// InputRows returns the examples idx of ds (all when idx is nil) as rows
// of the model's input (kernel.Matrix, float64), adapted as Fit adapts
// them (grey images padded and copied to the model's channels), for
// Conjugate.Features, Values and the kernel functions.
func (md *Model) InputRows(ds *concept.Dataset, idx []int) (kernel.Matrix, error) {
	ex, err := md.examplesFor(ds)
	if err != nil {
		return kernel.Matrix{}, err
	}
	if idx == nil {
		idx = make([]int, ds.N)
		for i := range idx {
			idx[i] = i
		}
	}
	for _, i := range idx {
		if i < 0 || i >= ds.N {
			return kernel.Matrix{}, fmt.Errorf("analysis: example %d of a dataset of %d", i, ds.N)
		}
	}
	buf := make([]float32, len(idx)*ex.out)
	ex.batch(idx, buf)
	out := kernel.NewMatrix(len(idx), ex.out)
	for i, v := range buf {
		out.Data[i] = float64(v)
	}
	return out, nil
}

// Values runs the rows x (the model's input, flattened) in batches of
// batch examples (0: 64; a fixed-batch model's own) in the session's
// current mode and returns the named tensors of every row, each as rows
// of its flattened values, with its per-example shape.
func (md *Model) Values(x kernel.Matrix, names []string, batch int) (map[string]kernel.Matrix, map[string][]int, error) {
	if batch <= 0 {
		batch = 64
	}
	if md.fixedBatch > 0 {
		batch = md.fixedBatch
	}
	out, shapes := map[string]kernel.Matrix{}, map[string][]int{}
	for i0 := 0; i0 < x.Rows; i0 += batch {
		i1 := min(i0+batch, x.Rows)
		xs, err := md.Rows(x.SliceRows(i0, i1))
		if err != nil {
			return nil, nil, err
		}
		tape, _, err := md.Forward(xs)
		if err != nil {
			return nil, nil, err
		}
		for _, name := range names {
			v, err := tape.Value(name)
			if err != nil {
				tape.Release()
				return nil, nil, fmt.Errorf("analysis: %w", err)
			}
			if len(v.Shape) == 0 || v.Shape[0] != i1-i0 {
				tape.Release()
				return nil, nil, fmt.Errorf("analysis: tensor %q has shape %v for a batch of %d; want the batch first", name, v.Shape, i1-i0)
			}
			w := len(v.F) / (i1 - i0)
			m, ok := out[name]
			if !ok {
				m = kernel.NewMatrix(x.Rows, w)
				out[name], shapes[name] = m, append([]int{}, v.Shape[1:]...)
			}
			for k, f := range v.F {
				m.Data[i0*w+k] = float64(f)
			}
		}
		tape.Release()
	}
	return out, shapes, nil
}
