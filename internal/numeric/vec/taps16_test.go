package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTaps16 compares Taps16 with a float64 reference for 0 to 13 pixels
// (the 4- and 2-pixel passes and every remainder), tap counts 0, 1, 9
// and 25 at random offsets, and steps of one and two pixels, and checks
// that it writes nothing past 16·n.
func TestTaps16(t *testing.T) { onEachPath(t, testTaps16) }

func testTaps16(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	worst := 0.0
	for _, taps := range []int{0, 1, 9, 25} {
		for _, step := range []int{16, 32} {
			for n := 0; n <= 13; n++ {
				w := make([]float32, 16*taps)
				for i := range w {
					w[i] = float32(r.NormFloat64())
				}
				offs := make([]int, taps)
				maxOff := 0
				for i := range offs {
					offs[i] = r.IntN(200)
					maxOff = max(maxOff, offs[i])
				}
				x := make([]float32, maxOff+step*max(n-1, 0)+16)
				for i := range x {
					x[i] = float32(r.NormFloat64())
				}
				bias := make([]float32, 16)
				for i := range bias {
					bias[i] = float32(r.NormFloat64())
				}
				dst := make([]float32, 16*n+5)
				for i := range dst {
					dst[i] = 7
				}
				Taps16(dst, n, bias, w, offs, x, step)
				for i := 0; i < n; i++ {
					for l := 0; l < 16; l++ {
						want, scale := float64(bias[l]), math.Abs(float64(bias[l]))
						for k, o := range offs {
							p := float64(w[16*k+l]) * float64(x[o+step*i+l])
							want += p
							scale += math.Abs(p)
						}
						e := math.Abs(float64(dst[16*i+l])-want) / scale
						worst = max(worst, e)
						if e > tapsTol {
							t.Fatalf("taps=%d step=%d n=%d: dst[%d] = %v, want %v", taps, step, n, 16*i+l, dst[16*i+l], want)
						}
					}
				}
				for i := 16 * n; i < len(dst); i++ {
					if dst[i] != 7 {
						t.Fatalf("taps=%d step=%d n=%d: wrote dst[%d] past 16·n", taps, step, n, i)
					}
				}
			}
		}
	}
	t.Logf("worst relative error %.2g", worst)
}

// TestTaps16Panics checks that bad lengths and offsets are refused.
func TestTaps16Panics(t *testing.T) {
	w, bias := make([]float32, 32), make([]float32, 16)
	for _, c := range []struct {
		name    string
		dst     int
		n, step int
		offs    []int
		nx      int
	}{
		{"offset past the end", 32, 2, 16, []int{0, 3}, 32},
		{"negative offset", 32, 2, 16, []int{-1, 0}, 64},
		{"short dst", 31, 2, 16, []int{0, 0}, 64},
		{"negative step", 32, 2, -16, []int{0, 0}, 64},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			Taps16(make([]float32, c.dst), c.n, bias, w, c.offs, make([]float32, c.nx), c.step)
		})
	}
}

func BenchmarkTaps16(b *testing.B) { benchEachPath(b, benchmarkTaps16) }

// benchmarkTaps16 is a 5x5 depthwise tap sum over 16 channels of a 7x7
// plane (padded to 11x11), one output row at a time.
func benchmarkTaps16(b *testing.B) {
	const wp, n = 11, 7
	x := make([]float32, 16*wp*wp)
	dst := make([]float32, 16*n)
	w := make([]float32, 16*25)
	bias := make([]float32, 16)
	offs := make([]int, 25)
	for k := range offs {
		offs[k] = 16 * (k/5*wp + k%5)
	}
	b.SetBytes(4 * 16 * n * n)
	for b.Loop() {
		for oy := 0; oy < n; oy++ {
			Taps16(dst, n, bias, w, offs, x[16*oy*wp:], 16)
		}
	}
}
