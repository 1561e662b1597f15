package vec

import (
	"math/rand/v2"
	"testing"
)

// TestMul compares Mul with Go's float32 product, which it must equal
// bit for bit, on every length up to 40, in place and not.
func TestMul(t *testing.T) { onEachPath(t, testMul) }

func testMul(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for n := 0; n <= 40; n++ {
		a, b := make([]float32, n), make([]float32, n+2)
		for i := range a {
			a[i] = float32(r.NormFloat64())
		}
		for i := range b {
			b[i] = float32(r.NormFloat64())
		}
		want := make([]float32, n)
		for i := range want {
			want[i] = a[i] * b[i]
		}
		got := make([]float32, n)
		Mul(got, a, b)
		check(t, n, got, want)
		Mul(a, a, b) // in place
		check(t, n, a, want)
	}
}
