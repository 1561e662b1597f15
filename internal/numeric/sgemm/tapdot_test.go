package sgemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
)

// tapDotTol bounds |TapDot - float64 reference| relative to Σ|a·b| of
// each sum: float32 sums in 8 or 16 lanes of up to 5000 terms, measured
// below 3e-7.
const tapDotTol = 3e-6

// TestTapDot compares TapDot with float64 sums on shapes that exercise
// every edge: rows and windows short of a whole tile, k short of a
// vector, of a block and across blocks (tapDotBlock made small), offsets
// in any order, and c accumulated into (row stride above the window
// count).
func TestTapDot(t *testing.T) {
	onEachPath(t, testTapDot)
	t.Run("generic", func(t *testing.T) { // plain Go loops
		prev := cpupath.Active()
		defer cpupath.Set(prev)
		if err := cpupath.Set(cpupath.Generic); err != nil {
			t.Fatal(err)
		}
		testTapDot(t)
	})
}

func testTapDot(t *testing.T) {
	prev := tapDotBlock
	defer func() { tapDotBlock = prev }()
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct{ m, n, k, block int }{
		{1, 1, 1, 2048}, {4, 6, 16, 2048}, {4, 6, 17, 2048}, {3, 5, 40, 2048},
		{16, 27, 1000, 2048}, {16, 144, 300, 64}, {5, 7, 129, 32}, {8, 12, 5000, 2048},
		{2, 6, 8, 2048}, {7, 13, 95, 48}, {4, 6, 0, 2048},
	} {
		tapDotBlock = tc.block
		lda, ldc := tc.k+3, tc.n+2
		a := make([]float32, (tc.m-1)*lda+tc.k)
		for i := range a {
			a[i] = float32(r.NormFloat64())
		}
		offs := make([]int, tc.n)
		maxOff := 0
		for j := range offs {
			offs[j] = r.IntN(50)
			maxOff = max(maxOff, offs[j])
		}
		b := make([]float32, maxOff+tc.k)
		for i := range b {
			b[i] = float32(r.NormFloat64())
		}
		c := make([]float32, (tc.m-1)*ldc+tc.n)
		for i := range c {
			c[i] = float32(i % 3)
		}
		c0 := append([]float32{}, c...)
		TapDot(tc.m, tc.k, a, lda, b, offs, c, ldc)
		for i := 0; i < tc.m; i++ {
			for j, o := range offs {
				want, scale := float64(c0[i*ldc+j]), math.Abs(float64(c0[i*ldc+j]))
				for q := 0; q < tc.k; q++ {
					p := float64(a[i*lda+q]) * float64(b[o+q])
					want += p
					scale += math.Abs(p)
				}
				if got := float64(c[i*ldc+j]); math.Abs(got-want) > tapDotTol*max(scale, 1) {
					t.Fatalf("%+v: c[%d][%d] = %v, want %v", tc, i, j, got, want)
				}
			}
			for j := tc.n; j < ldc && i*ldc+j < len(c); j++ {
				if c[i*ldc+j] != c0[i*ldc+j] {
					t.Fatalf("%+v: c[%d][%d] past the windows changed", tc, i, j)
				}
			}
		}
	}
}

// TestTapDotPanics checks that short operands and negative offsets panic
// with TapDot's message instead of reading out of bounds.
func TestTapDotPanics(t *testing.T) {
	a, b, c := make([]float32, 10), make([]float32, 10), make([]float32, 4)
	for name, f := range map[string]func(){
		"short a":    func() { TapDot(2, 8, a, 8, b, []int{0, 1}, c, 2) },
		"short b":    func() { TapDot(1, 8, a, 8, b, []int{0, 3}, c, 2) },
		"short c":    func() { TapDot(2, 4, a, 4, b, []int{0, 1, 2}, c, 3) },
		"negative":   func() { TapDot(1, 4, a, 4, b, []int{-1}, c, 1) },
		"narrow ldc": func() { TapDot(1, 4, a, 4, b, []int{0, 1}, c, 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// BenchmarkTapDot times the weight gradient of ResNet-20's first-stage
// convolution over one chunk (16 output and input channels, 9 taps, the
// gradient and padded input of 8 images of 32x32).
func BenchmarkTapDot(b *testing.B) { benchTapDot(b, 16, 16, 34, 8) }

// BenchmarkTapDot64 is BenchmarkTapDot for the third stage (64 channels
// at 8x8, 32 images).
func BenchmarkTapDot64(b *testing.B) { benchTapDot(b, 64, 64, 10, 32) }

func benchTapDot(b *testing.B, M, C, Wp, imgs int) {
	ps := Wp*Wp + 2
	k := imgs * ps
	ld := k + 64
	a := make([]float32, M*ld)
	x := make([]float32, C*ld+64)
	for i := range a {
		a[i] = 1
	}
	offs := make([]int, 0, C*9)
	for ch := 0; ch < C; ch++ {
		for kh := 0; kh < 3; kh++ {
			for kw := 0; kw < 3; kw++ {
				offs = append(offs, ch*ld+kh*Wp+kw)
			}
		}
	}
	c := make([]float32, M*C*9)
	b.SetBytes(0)
	b.ResetTimer()
	for range b.N {
		TapDot(M, k, a, ld, x, offs, c, C*9)
	}
	b.ReportMetric(float64(2*M*C*9*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
