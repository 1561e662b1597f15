package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBackwardMatchesGorgonia compares the hand-written backward pass with
// gorgonia's symbolic gradient of the same model, in both precisions.
func TestBackwardMatchesGorgonia(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testGorgonia[float64](t, 1e-12) })
	t.Run("float32", func(t *testing.T) { testGorgonia[float32](t, 1e-4) })
}

func testGorgonia[T Float](t *testing.T, tol float64) {
	const n, d = 23, 4
	for _, tc := range []struct{ L, k, top int }{{3, 3, 3}, {4, 2, 4}, {4, 2, 3}, {3, 2, 2}} {
		data := toyData(t, n, d, tc.L, tc.k, 1, 2)
		x, y := convert[T](nil, data.X), convert[T](nil, data.Y)
		m := newHNetEngine[T](NewArch(d, tc.L, tc.k))
		m.init(rand.New(rand.NewPCG(3, 4)))
		r := rand.New(rand.NewPCG(5, 6))
		for i := range m.params {
			m.params[i] += T(0.1 * r.NormFloat64())
		}
		b := newBuffers(m, n)
		copy(b.h[0], x)
		m.forward(b, n, tc.top, 2) // set the statistics
		m.forward(b, n, tc.top, tc.L+1)
		loss := lossGrad(Regression, b.f[:n], y, b.df[:n])
		m.backward(b, n, tc.top, 2)
		gl, gg, err := graphLossGrad(m, x, y, n, tc.top)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(gl-loss) > tol*math.Abs(loss) {
			t.Errorf("L=%d top=%d: loss %v, gorgonia %v", tc.L, tc.top, loss, gl)
		}
		scale := 0.0
		for _, v := range gg {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		worst := 0.0
		for i := range gg {
			worst = math.Max(worst, math.Abs(float64(gg[i]-b.grad[i]))/scale)
		}
		if worst > tol {
			t.Errorf("L=%d top=%d: gradients differ by %.3g of their scale", tc.L, tc.top, worst)
		}
	}
}
