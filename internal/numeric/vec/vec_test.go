package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMax compares Max with Go's max builtin on every length up to 70
// (vector body and scalar tail), with NaNs in either operand, infinities
// and equal values, in place and not.
func TestMax(t *testing.T) { onEachPath(t, testMax) }

func testMax(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	nan := float32(math.NaN())
	special := []float32{nan, float32(math.Inf(1)), float32(math.Inf(-1)), 0, 1, -1}
	for n := 0; n <= 70; n++ {
		for trial := 0; trial < 4; trial++ {
			a, b := make([]float32, n), make([]float32, n)
			for i := range a {
				a[i], b[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
				if r.IntN(4) == 0 {
					a[i] = special[r.IntN(len(special))]
				}
				if r.IntN(4) == 0 {
					b[i] = special[r.IntN(len(special))]
				}
				if r.IntN(8) == 0 {
					b[i] = a[i]
				}
			}
			want := make([]float32, n)
			for i := range want {
				want[i] = max(a[i], b[i])
			}
			got := make([]float32, n)
			Max(got, a, b)
			check(t, n, got, want)
			Max(a, a, b) // in place
			check(t, n, a, want)
		}
	}
}

func check(t *testing.T, n int, got, want []float32) {
	t.Helper()
	for i := range want {
		g, w := got[i], want[i]
		if (g != w) && !(g != g && w != w) {
			t.Fatalf("n=%d, element %d: got %v, want %v", n, i, g, w)
		}
	}
}

// TestMaxPanicsOnShortOperand: a shorter operand is a bounds error, not
// a read past its end.
func TestMaxPanicsOnShortOperand(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	Max(make([]float32, 16), make([]float32, 8), make([]float32, 16))
}

func BenchmarkMax(b *testing.B) { benchEachPath(b, benchmarkMax) }

func benchmarkMax(b *testing.B) {
	x, y := make([]float32, 112), make([]float32, 112)
	for i := range x {
		x[i], y[i] = float32(i%7), float32(i%5)
	}
	for i := 0; i < b.N; i++ {
		Max(x, x, y)
	}
}

// TestAdd compares Add and AddReLU with scalar Go on every length up to
// 70, with NaNs, infinities, -0 and sums that cancel.
func TestAdd(t *testing.T) { onEachPath(t, testAdd) }

func testAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	special := []float32{nan, -nan, float32(math.Inf(1)), float32(math.Inf(-1)), 0, negZero, 1}
	for n := 0; n <= 70; n++ {
		a, b := make([]float32, n), make([]float32, n)
		for i := range a {
			a[i], b[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
			if r.IntN(4) == 0 {
				a[i] = special[r.IntN(len(special))]
			}
			if r.IntN(6) == 0 {
				b[i] = -a[i]
			}
		}
		for _, relu := range []bool{false, true} {
			want := make([]float32, n)
			for i := range want {
				v := a[i] + b[i]
				if relu && math.Signbit(float64(v)) {
					v = 0
				}
				want[i] = v
			}
			got := make([]float32, n)
			if relu {
				AddReLU(got, a, b)
			} else {
				Add(got, a, b)
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
					t.Fatalf("n=%d relu=%v element %d: %v + %v = %v, want %v", n, relu, i, a[i], b[i], got[i], want[i])
				}
			}
		}
	}
}

func randSpecial(r *rand.Rand, n int) []float32 {
	nan := float32(math.NaN())
	special := []float32{nan, float32(math.Inf(1)), float32(math.Inf(-1)), 0, 1, -1}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
		if r.IntN(5) == 0 {
			v[i] = special[r.IntN(len(special))]
		}
	}
	return v
}

// TestMax3AndWindow compare Max3 and MaxWindow3Stride2 with Go's max
// builtin on every length up to 70, NaNs and infinities included, with
// src exactly as long as the windows need.
func TestMax3AndWindow(t *testing.T) { onEachPath(t, testMax3AndWindow) }

func testMax3AndWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for n := 0; n <= 70; n++ {
		for trial := 0; trial < 4; trial++ {
			a, b, c := randSpecial(r, n), randSpecial(r, n), randSpecial(r, n)
			want := make([]float32, n)
			for i := range want {
				want[i] = max(a[i], b[i], c[i])
			}
			got := make([]float32, n)
			Max3(got, a, b, c)
			check(t, n, got, want)

			src := randSpecial(r, 2*n+1+trial%2) // exactly as long as needed, or one more
			for i := range want {
				want[i] = max(src[2*i], src[2*i+1], src[2*i+2])
			}
			MaxWindow3Stride2(got, src)
			check(t, n, got, want)
		}
	}
}

// TestDeinterleave checks Deinterleave on every source length up to 70,
// and that it writes nothing past the halves it fills.
func TestDeinterleave(t *testing.T) { onEachPath(t, testDeinterleave) }

func testDeinterleave(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for n := 0; n <= 70; n++ {
		src := randSpecial(r, n)
		even, odd := make([]float32, (n+1)/2+1), make([]float32, n/2+1)
		even[len(even)-1], odd[len(odd)-1] = 42, 42
		Deinterleave(even, odd, src)
		for i, v := range src {
			got := even[i/2]
			if i%2 == 1 {
				got = odd[i/2]
			}
			if math.Float32bits(got) != math.Float32bits(v) {
				t.Fatalf("n=%d: element %d is %v, want %v", n, i, got, v)
			}
		}
		if even[len(even)-1] != 42 || odd[len(odd)-1] != 42 {
			t.Fatalf("n=%d: wrote past the halves", n)
		}
	}
}
