package analysis

import (
	"fmt"
	"math/rand/v2"

	"github.com/hierlearn/hierlearn/importer"
)

// PermutationOptions configures Permutation.
type PermutationOptions struct {
	Targets []int   // output elements scored (indices into one example's output), all from the same passes
	Groups  [][]int // groups of input elements (indices into one example), each permuted as a whole
	// Y holds the true outputs, example after example (N x the output
	// size, as concept.Dataset.Y); nil: the model's own predictions.
	Y       []float64
	Repeats int // permutations averaged per group (0: 3)
	Seed    uint64
	Batch   int // examples per forward pass (0: 256)
}

// Permutation returns, for each target and group, the permutation
// importance: the rise of the mean squared error of the output element
// over the examples of x when the group's values are shuffled across examples
// (the same permutation for all elements of a group, so the group keeps
// its joint distribution and loses its link to the target), averaged over
// opt.Repeats permutations. With Y nil the error is measured against the
// unpermuted predictions (model reliance). It needs Repeats forward passes
// over x per group.
func (md *Model) Permutation(x *importer.Tensor, opt PermutationOptions) ([][]float64, error) {
	if err := md.checkBatch(x, "the input"); err != nil {
		return nil, err
	}
	n, d := x.Shape[0], md.Dim()
	if n < 2 {
		return nil, fmt.Errorf("analysis: permutation importance needs at least 2 examples, have %d", n)
	}
	per, err := md.OutputSize()
	if err != nil {
		return nil, err
	}
	if err := checkTargets(opt.Targets, per, md.Output); err != nil {
		return nil, err
	}
	if len(opt.Groups) == 0 {
		return nil, fmt.Errorf("analysis: permutation importance needs at least one group")
	}
	for g, idx := range opt.Groups {
		for _, j := range idx {
			if j < 0 || j >= d {
				return nil, fmt.Errorf("analysis: permutation group %d holds element %d of an example of %d", g, j, d)
			}
		}
	}
	batch := opt.Batch
	if batch <= 0 {
		batch = 256
	}
	predict := func(xs []float32) ([]float64, error) {
		out := make([]float64, 0, n*per)
		for lo := 0; lo < n; lo += batch {
			hi := min(lo+batch, n)
			t, err := md.Predict(md.batch(xs[lo*d:hi*d], hi-lo))
			if err != nil {
				return nil, err
			}
			for _, v := range t.F {
				out = append(out, float64(v))
			}
		}
		return out, nil
	}
	base, err := predict(x.F)
	if err != nil {
		return nil, err
	}
	ref := opt.Y
	if ref == nil {
		ref = base
	}
	if len(ref) != n*per {
		return nil, fmt.Errorf("analysis: %d true outputs for %d examples of %d outputs", len(ref), n, per)
	}
	mse := func(p []float64, o int) float64 {
		var s float64
		for i := 0; i < n; i++ {
			e := p[i*per+o] - ref[i*per+o]
			s += e * e
		}
		return s / float64(n)
	}
	reps := opt.Repeats
	if reps <= 0 {
		reps = 3
	}
	r := rand.New(rand.NewPCG(opt.Seed, 0x7065726d))
	out := make([][]float64, len(opt.Targets))
	for t := range out {
		out[t] = make([]float64, len(opt.Groups))
	}
	buf := make([]float32, len(x.F))
	for g, idx := range opt.Groups {
		for k := 0; k < reps; k++ {
			perm := r.Perm(n)
			copy(buf, x.F)
			for i, src := range perm {
				for _, j := range idx {
					buf[i*d+j] = x.F[src*d+j]
				}
			}
			p, err := predict(buf)
			if err != nil {
				return nil, err
			}
			for t, o := range opt.Targets {
				out[t][g] += (mse(p, o) - mse(base, o)) / float64(reps)
			}
		}
	}
	return out, nil
}
