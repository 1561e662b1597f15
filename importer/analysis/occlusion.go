package analysis

import (
	"fmt"

	"github.com/hierlearn/hierlearn/importer"
)

// OcclusionOptions configures Occlusion.
type OcclusionOptions struct {
	// Targets are the output elements explained (indices into one
	// example's output): all from the same occluded forward passes.
	Targets []int
	// Groups partition (or cover part of) one example's input elements:
	// each group is occluded as a whole. Nil: every element alone.
	Groups   [][]int
	Baseline float32 // the value an occluded element takes (0: zero, the mean of standardised inputs)
	Batch    int     // occluded copies per forward pass (0: 256)
}

// Occlusion explains output elements opt.Targets of every example of x
// by occlusion: the attribution of an element is f(x) - f(x with its
// group set to the baseline), the output's change when that part of the
// input is taken away (every element of a group gets the group's value;
// elements in no group get 0). It returns one tensor of x's shape per
// target. It needs one forward pass per group and example (batched), and
// no gradient.
func (md *Model) Occlusion(x *importer.Tensor, opt OcclusionOptions) ([]*importer.Tensor, error) {
	if err := md.checkBatch(x, "the input"); err != nil {
		return nil, err
	}
	n, d := x.Shape[0], md.Dim()
	per, err := md.OutputSize()
	if err != nil {
		return nil, err
	}
	if err := checkTargets(opt.Targets, per, md.Output); err != nil {
		return nil, err
	}
	groups := opt.Groups
	if groups == nil {
		groups = make([][]int, d)
		for j := range groups {
			groups[j] = []int{j}
		}
	}
	for g, idx := range groups {
		for _, j := range idx {
			if j < 0 || j >= d {
				return nil, fmt.Errorf("analysis: occlusion group %d holds element %d of an example of %d", g, j, d)
			}
		}
	}
	batch := opt.Batch
	if batch <= 0 {
		batch = 256
	}
	y, err := md.Predict(x)
	if err != nil {
		return nil, err
	}
	out := make([]*importer.Tensor, len(opt.Targets))
	for t := range out {
		out[t] = &importer.Tensor{DType: importer.Float32, Shape: append([]int{}, x.Shape...), F: make([]float32, len(x.F))}
	}
	for i := 0; i < n; i++ {
		xi := x.F[i*d : (i+1)*d]
		for g0 := 0; g0 < len(groups); g0 += batch {
			gs := groups[g0:min(g0+batch, len(groups))]
			buf := make([]float32, len(gs)*d)
			for k, idx := range gs {
				row := buf[k*d : (k+1)*d]
				copy(row, xi)
				for _, j := range idx {
					row[j] = opt.Baseline
				}
			}
			yo, err := md.Predict(md.batch(buf, len(gs)))
			if err != nil {
				return nil, err
			}
			for t, o := range opt.Targets {
				f0 := y.F[i*per+o]
				for k, idx := range gs {
					v := f0 - yo.F[k*per+o]
					for _, j := range idx {
						out[t].F[i*d+j] = v
					}
				}
			}
		}
	}
	return out, nil
}

// checkTargets checks explained output elements against the output size.
func checkTargets(targets []int, per int, output string) error {
	if len(targets) == 0 {
		return fmt.Errorf("analysis: no target output element given")
	}
	for _, o := range targets {
		if o < 0 || o >= per {
			return fmt.Errorf("analysis: target %d, but output %q has %d elements per example", o, output, per)
		}
	}
	return nil
}
