package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// axpyTol bounds |Axpy - float64 reference| relative to the terms' scale:
// a fused multiply-add against two roundings differs by about 1e-7.
const axpyTol = 1e-6

// TestAxpy compares Axpy with a float64 reference on every length up to
// 80 (the 32-wide and 8-wide bodies and the scalar tail), in place.
func TestAxpy(t *testing.T) { onEachPath(t, testAxpy) }

func testAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= 80; n++ {
		dst, x := make([]float32, n), make([]float32, n+3)
		for i := range dst {
			dst[i] = float32(r.NormFloat64())
		}
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		a := float32(r.NormFloat64())
		want := make([]float64, n)
		for i := range want {
			want[i] = float64(dst[i]) + float64(a)*float64(x[i])
		}
		Axpy(dst, a, x)
		for i := range want {
			scale := math.Abs(float64(dst[i])) + math.Abs(float64(a)*float64(x[i])) + 1
			if d := math.Abs(float64(dst[i]) - want[i]); d > axpyTol*scale {
				t.Fatalf("n=%d, element %d: got %v, want %v", n, i, dst[i], want[i])
			}
		}
	}
}
