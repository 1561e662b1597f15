package train

import (
	"context"
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

// TestGorgoniaEngineTrainsLikeNative trains the same runs with both
// engines: float64 models agree to rounding, float32 ones closely.
func TestGorgoniaEngineTrainsLikeNative(t *testing.T) {
	tr, te := toySplit(t, 300, 200, 5, 4, 2, 8)
	for _, tc := range []struct {
		mode, dtype string
		tol         float64
	}{{ModeProgressive, "float64", 1e-9}, {ModeLayerwise, "float64", 1e-9}, {ModeProgressive, "float32", 2e-3}} {
		var got [2][]float64
		for i, engine := range []string{EngineNative, EngineGorgonia} {
			c := smallConfig(tc.mode)
			c.Width, c.DType, c.Engine, c.StepsPerStage, c.Batch = 2, tc.dtype, engine, 25, 32
			res, err := Run(context.Background(), c, tr, te, Options{})
			if err != nil {
				t.Fatalf("%s: %v", engine, err)
			}
			h := res.Model.(*HNet)
			for _, ly := range h.Layers {
				for _, row := range ly.K {
					got[i] = append(got[i], row...)
				}
				got[i] = append(got[i], ly.NormMean...)
			}
			got[i] = append(got[i], h.A...)
			got[i] = append(got[i], h.B)
		}
		worst := 0.0
		for j := range got[0] {
			worst = math.Max(worst, math.Abs(got[0][j]-got[1][j])/(1+math.Abs(got[0][j])))
		}
		if worst > tc.tol {
			t.Errorf("%s %s: models differ by %.3g", tc.mode, tc.dtype, worst)
		}
		t.Logf("%s %s: largest difference %.3g over %d values", tc.mode, tc.dtype, worst, len(got[0]))
	}
}
