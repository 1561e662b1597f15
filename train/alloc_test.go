package train

import (
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
)

// TestTrainingStepAllocatesNothing: one training step of the native
// engines (loss and gradient, clipping, Adam) allocates nothing in steady
// state, in float32 and float64, for the HNet in every stage shape and the
// MLP (the README's "no allocation per step").
func TestTrainingStepAllocatesNothing(t *testing.T) {
	const d, L, k, batch, n = 8, 4, 3, 32, 200
	t.Run("float32", func(t *testing.T) { checkStepAllocs[float32](t, d, L, k, batch, n) })
	t.Run("float64", func(t *testing.T) { checkStepAllocs[float64](t, d, L, k, batch, n) })
}

func checkStepAllocs[T Float](t *testing.T, d, L, k, batch, n int) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := make([]T, n*d), make([]T, n)
	for i := range x {
		x[i] = T(rng.NormFloat64())
	}
	for i := range y {
		y[i] = T(rng.NormFloat64())
	}
	idx := make([]int, batch)
	hnet := newHNetLearner[T](NewArch(d, L, k), batch, rng)
	mlp := newMLPLearner[T]([]int{d, 16, 16, 1}, batch, rng)
	for _, c := range []struct {
		name string
		ln   learner[T]
		st   stage
	}{
		{"hnet progressive stage 2", hnet, stage{Top: 2, Lo: 2, Steps: 10}},
		{"hnet layerwise stage 3", hnet, stage{Top: 3, Lo: 3, Steps: 10}},
		{"hnet end to end", hnet, stage{Top: L, Lo: 2, Steps: 10}},
		{"mlp", mlp, stage{Top: L, Lo: 2, Steps: 10}},
	} {
		o := newAdam[T](len(c.ln.params()))
		ranges := c.ln.ranges(c.st)
		step := 0
		allocs := testing.AllocsPerRun(20, func() {
			for i := range idx {
				idx[i] = rng.IntN(n)
			}
			c.ln.lossGrad(x, y, idx, c.st, concept.TaskRegression)
			clip(c.ln.grad(), ranges, DefaultClip)
			o.step(c.ln.params(), c.ln.grad(), ranges, oneCycle(1e-2, step, c.st.Steps))
			step = (step + 1) % c.st.Steps
		})
		if allocs != 0 {
			t.Errorf("%s: %v heap allocations per training step, want 0", c.name, allocs)
		}
	}
}
