package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// momentsTol bounds the error of the sums of moments.go relative to the
// float64 sum of the terms' magnitudes: float32 sums of up to 300 terms,
// measured below 2e-7 on every path.
const momentsTol = 2e-6

// elemTol bounds the relative error of Affine and AddAffineDeviation
// against float64 (a few float32 roundings, measured below 3e-7),
// relative to the sum of the terms' magnitudes.
const elemTol = 2e-6

// TestMoments compares SumSquaredDeviation, SumAndDotDeviation, Affine,
// AddAffineDeviation and AddWherePositive with float64 references on
// every length up to 300 (every vector tail), with an offset mean.
func TestMoments(t *testing.T) { onEachPath(t, testMoments) }

func testMoments(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const m, a, b, c = 0.7, 1.3, -0.4, 0.25
	for n := 0; n <= 300; n++ {
		x, g, d := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() + 0.5)
			g[i] = float32(r.NormFloat64())
			d[i] = float32(r.NormFloat64())
			if r.IntN(7) == 0 {
				x[i] = 0 // ReLU's kink: passes nothing
			}
		}
		var sq, sg, sgx, scaleSq, scaleG, scaleGX float64
		for i := range x {
			dev := float64(x[i]) - m
			sq += dev * dev
			scaleSq += dev * dev
			sg += float64(g[i])
			scaleG += math.Abs(float64(g[i]))
			sgx += float64(g[i]) * dev
			scaleGX += math.Abs(float64(g[i]) * dev)
		}
		if got := float64(SumSquaredDeviation(x, m)); math.Abs(got-sq) > momentsTol*max(scaleSq, 1) {
			t.Fatalf("SumSquaredDeviation n=%d: got %v, want %v", n, got, sq)
		}
		gotG, gotGX := SumAndDotDeviation(g, x, m)
		if math.Abs(float64(gotG)-sg) > momentsTol*max(scaleG, 1) || math.Abs(float64(gotGX)-sgx) > momentsTol*max(scaleGX, 1) {
			t.Fatalf("SumAndDotDeviation n=%d: got %v, %v, want %v, %v", n, gotG, gotGX, sg, sgx)
		}
		y := make([]float32, n)
		Affine(y, x, a, b)
		for i, v := range x {
			want := a*float64(v) + b
			if math.Abs(float64(y[i])-want) > elemTol*(math.Abs(a*float64(v))+math.Abs(b)) {
				t.Fatalf("Affine n=%d x=%v: got %v, want %v", n, v, y[i], want)
			}
		}
		acc := append([]float32{}, d...)
		AddAffineDeviation(acc, g, x, a, b, m, c)
		for i := range x {
			dev := float64(x[i]) - m
			want := float64(d[i]) + a*float64(g[i]) + b*dev + c
			scale := math.Abs(float64(d[i])) + math.Abs(a*float64(g[i])) + math.Abs(b*dev) + c
			if math.Abs(float64(acc[i])-want) > elemTol*scale {
				t.Fatalf("AddAffineDeviation n=%d i=%d: got %v, want %v", n, i, acc[i], want)
			}
		}
		acc = append(acc[:0], d...)
		AddWherePositive(acc, g, x)
		for i, v := range x {
			want := d[i]
			if v > 0 {
				want += g[i]
			}
			if acc[i] != want {
				t.Fatalf("AddWherePositive n=%d x=%v: got %v, want %v", n, v, acc[i], want)
			}
		}
	}
}

// TestAddWherePositiveSpecial checks that -0, NaN and -Inf pass no
// gradient and +Inf passes it, on every path and every tail position.
func TestAddWherePositiveSpecial(t *testing.T) { onEachPath(t, testAddWherePositiveSpecial) }

func testAddWherePositiveSpecial(t *testing.T) {
	special := []float32{float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(-1)), float32(math.Inf(1))}
	for n := 1; n <= 40; n++ {
		for _, s := range special {
			x, g, dst := make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range x {
				x[i], g[i] = s, 1
			}
			AddWherePositive(dst, g, x)
			want := float32(0)
			if s > 0 {
				want = 1
			}
			for i, v := range dst {
				if v != want {
					t.Fatalf("n=%d x=%v: element %d got %v, want %v", n, s, i, v, want)
				}
			}
		}
	}
}
