package train_test

import (
	"context"
	"math"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/train"
	"github.com/hierlearn/hierlearn/train/gorgoniaengine"
)

func init() { gorgoniaengine.Register() }

// TestBackwardMatchesGorgonia compares the hand-written backward pass with
// gorgonia's symbolic gradient of the same model, in both precisions.
func TestBackwardMatchesGorgonia(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testGorgonia[float64](t, 1e-12) })
	t.Run("float32", func(t *testing.T) { testGorgonia[float32](t, 1e-4) })
}

func testGorgonia[T train.Float](t *testing.T, tol float64) {
	const n, d = 23, 4
	for _, tc := range []struct{ L, k, top int }{{3, 3, 3}, {4, 2, 4}, {4, 2, 3}, {3, 2, 2}} {
		loss, grad, st, x, y := train.NativeGradCase[T](t, n, d, tc.L, tc.k, tc.top)
		var stage train.StageFunc[T]
		if _, ok := any(T(0)).(float32); ok {
			stage = any(gorgoniaengine.Engine().Float32).(train.StageFunc[T])
		} else {
			stage = any(gorgoniaengine.Engine().Float64).(train.StageFunc[T])
		}
		sg, err := stage(st, n, tc.top, 2, concept.TaskRegression)
		if err != nil {
			t.Fatal(err)
		}
		gg := make([]T, len(grad))
		gl, err := sg.LossGrad(x, y, gg)
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
			worst = math.Max(worst, math.Abs(float64(gg[i]-grad[i]))/scale)
		}
		if worst > tol {
			t.Errorf("L=%d top=%d: gradients differ by %.3g of their scale", tc.L, tc.top, worst)
		}
	}
}

// TestGorgoniaEngineTrainsLikeNative trains the same runs with both
// engines: float64 models agree to rounding, float32 ones closely.
func TestGorgoniaEngineTrainsLikeNative(t *testing.T) {
	tr, te := train.ToySplit(t, 300, 200, 5, 4, 2, 8)
	for _, tc := range []struct {
		mode, dtype string
		tol         float64
	}{{train.ModeProgressive, "float64", 1e-9}, {train.ModeLayerwise, "float64", 1e-9}, {train.ModeProgressive, "float32", 2e-3}} {
		var got [2][]float64
		for i, engine := range []string{train.EngineNative, gorgoniaengine.Name} {
			c := train.SmallConfig(tc.mode)
			c.Width, c.DType, c.Engine, c.StepsPerStage, c.Batch = 2, tc.dtype, engine, 25, 32
			res, err := train.Run(context.Background(), c, tr, te, train.Options{})
			if err != nil {
				t.Fatalf("%s: %v", engine, err)
			}
			h := res.Model.(*train.HNet)
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
