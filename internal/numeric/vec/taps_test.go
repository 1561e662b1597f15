package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
)

// tapsTol bounds |Taps - float64 reference| relative to |bias| + Σ|w·x|:
// float32 sums of up to 25 terms, measured below 2e-7 on every path.
const tapsTol = 2e-6

// TestTaps compares Taps with a float64 reference for every length up to
// 150 (full 64- and 16-wide blocks and every masked tail) and tap counts
// 0, 1, 9 and 25 at random offsets, and checks that it writes nothing
// past len(dst).
func TestTaps(t *testing.T) { onEachPath(t, testTaps) }

func testTaps(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	worst := 0.0
	for _, taps := range []int{0, 1, 9, 25} {
		for n := 0; n <= 150; n++ {
			w := make([]float32, taps)
			offs := make([]int, taps)
			maxOff := 0
			for i := range w {
				w[i] = float32(r.NormFloat64())
				offs[i] = r.IntN(40)
				maxOff = max(maxOff, offs[i])
			}
			x := make([]float32, maxOff+n)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			bias := float32(r.NormFloat64())
			dst := make([]float32, n+3)
			for i := range dst {
				dst[i] = 7
			}
			Taps(dst[:n], bias, w, offs, x)
			for i := 0; i < n; i++ {
				want, scale := float64(bias), math.Abs(float64(bias))
				for k, o := range offs {
					want += float64(w[k]) * float64(x[o+i])
					scale += math.Abs(float64(w[k]) * float64(x[o+i]))
				}
				e := math.Abs(float64(dst[i])-want) / scale
				worst = max(worst, e)
				if e > tapsTol {
					t.Fatalf("taps=%d n=%d: dst[%d] = %v, want %v", taps, n, i, dst[i], want)
				}
			}
			for i := n; i < len(dst); i++ {
				if dst[i] != 7 {
					t.Fatalf("taps=%d n=%d: wrote dst[%d] past the end", taps, n, i)
				}
			}
		}
	}
	t.Logf("worst relative error %.2g", worst)
}

// TestTapsPanics checks that offsets past x or negative are refused.
func TestTapsPanics(t *testing.T) {
	for _, c := range []struct {
		name string
		offs []int
		nx   int
	}{{"past the end", []int{0, 3}, 10}, {"negative", []int{-1, 0}, 20}} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			Taps(make([]float32, 8), 0, []float32{1, 2}, c.offs, make([]float32, c.nx))
		})
	}
}

func BenchmarkTaps(b *testing.B) { benchEachPath(b, benchmarkTaps) }

// benchmarkTaps is a 3x3 depthwise tap sum over a 56x56 plane (wide rows
// of 58).
func benchmarkTaps(b *testing.B) {
	const wq, n = 58, 55*58 + 56
	x := make([]float32, n+2*wq+2)
	dst := make([]float32, n)
	w := make([]float32, 9)
	offs := make([]int, 9)
	for k := range offs {
		offs[k] = k/3*wq + k%3
		w[k] = float32(k)
	}
	b.SetBytes(4 * n)
	for b.Loop() {
		Taps(dst, 0.5, w, offs, x)
	}
}

// BenchmarkTapsAVX512 is BenchmarkTaps on the avx512 path, and the
// tap-by-tap Axpy it replaces.
func BenchmarkTapsAVX512(b *testing.B) {
	prev := cpupath.Active()
	defer cpupath.Set(prev)
	if err := cpupath.Set(cpupath.AVX512); err != nil {
		b.Skip(err)
	}
	b.Run("taps", benchmarkTaps)
	b.Run("axpy", func(b *testing.B) {
		const wq, n = 58, 55*58 + 56
		x := make([]float32, n+2*wq+2)
		dst := make([]float32, n)
		b.SetBytes(4 * n)
		for b.Loop() {
			for k := 0; k < 9; k++ {
				Axpy(dst, float32(k), x[k/3*wq+k%3:])
			}
		}
	})
}
