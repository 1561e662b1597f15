package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSiLU compares SiLU with x·σ(x) in float64 on every length up to 40
// over [-30, 30] and at ±100, 0 and NaN, in place and not: within
// sigmoidTol of σ, times |x|, plus the product's rounding.
func TestSiLU(t *testing.T) { onEachPath(t, testSiLU) }

func testSiLU(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	special := []float32{100, -100, 0, float32(math.NaN())} // -Inf: NaN or -Inf by path, as Sigmoid then Mul
	for n := 0; n <= 40; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.Float64()*60 - 30)
			if r.IntN(6) == 0 {
				x[i] = special[r.IntN(len(special))]
			}
		}
		got := make([]float32, n)
		SiLU(got, x)
		for i, v := range x {
			xd := float64(v)
			want := xd / (1 + math.Exp(-xd))
			g := float64(got[i])
			switch {
			case math.IsNaN(want) || math.IsNaN(g):
				if math.IsNaN(want) != math.IsNaN(g) {
					t.Fatalf("n=%d x=%v: got %v, want %v", n, v, g, want)
				}
			case math.Abs(g-want) > sigmoidTol*math.Abs(xd)+1e-7*math.Abs(want):
				t.Fatalf("n=%d x=%v: got %v, want %v", n, v, g, want)
			}
		}
		SiLU(x, x)
		for i := range x {
			if x[i] != got[i] && !(x[i] != x[i] && got[i] != got[i]) {
				t.Fatalf("n=%d in place: element %d %v, not %v", n, i, x[i], got[i])
			}
		}
	}
}

// TestReLUScale checks ReLU (negatives, -0 and negative NaNs to +0) and
// Scale exactly on every length up to 40, in place and not.
func TestReLUScale(t *testing.T) { onEachPath(t, testReLUScale) }

func testReLUScale(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 8))
	negNaN := math.Float32frombits(0xffc00000)
	special := []float32{float32(math.Inf(-1)), float32(math.Inf(1)), float32(math.Copysign(0, -1)), negNaN}
	for n := 0; n <= 40; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64())
			if r.IntN(5) == 0 {
				x[i] = special[r.IntN(len(special))]
			}
		}
		got := make([]float32, n)
		ReLU(got, x)
		for i, v := range x {
			want := v
			if math.Signbit(float64(v)) {
				want = 0
			}
			if math.Float32bits(got[i]) != math.Float32bits(want) {
				t.Fatalf("ReLU n=%d x=%v: got %v, want %v", n, v, got[i], want)
			}
		}
		const s = 1.7
		Scale(got, s, x)
		for i, v := range x {
			want := s * v
			if got[i] != want && !(want != want && got[i] != got[i]) {
				t.Fatalf("Scale n=%d x=%v: got %v, want %v", n, v, got[i], want)
			}
		}
		ReLU(x, x)
		for i, v := range x {
			if math.Signbit(float64(v)) {
				t.Fatalf("ReLU in place n=%d: element %d is %v", n, i, v)
			}
		}
	}
}

// sumTol bounds |Sum - float64 sum| relative to Σ|x|: float32 sums of up
// to 300 terms in 32 partial sums, measured below 1e-7.
const sumTol = 1e-6

// TestSum compares Sum with a float64 sum on every length up to 300.
func TestSum(t *testing.T) { onEachPath(t, testSum) }

func testSum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 300; n++ {
		x := make([]float32, n)
		var want, scale float64
		for i := range x {
			x[i] = float32(r.NormFloat64())
			want += float64(x[i])
			scale += math.Abs(float64(x[i]))
		}
		if got := float64(Sum(x)); math.Abs(got-want) > sumTol*max(scale, 1) {
			t.Fatalf("n=%d: got %v, want %v", n, got, want)
		}
	}
}
