package vec

import (
	"fmt"
	"testing"
)

// TestTranspose16 checks every tile size up to 16×16 with strides past
// the row length against the definition, and that nothing outside the
// tile is written.
func TestTranspose16(t *testing.T) { onEachPath(t, testTranspose16) }

func testTranspose16(t *testing.T) {
	const lds, ldd = 19, 21
	src := make([]float32, 16*lds)
	for i := range src {
		src[i] = float32(i + 1)
	}
	for r := 0; r <= 16; r++ {
		for c := 0; c <= 16; c++ {
			dst := make([]float32, 16*ldd+3)
			Transpose16(dst, ldd, src, lds, r, c)
			for j := 0; j < 16; j++ {
				for i := 0; i < ldd; i++ {
					want := float32(0)
					if i < r && j < c {
						want = src[i*lds+j]
					}
					if got := dst[j*ldd+i]; got != want {
						t.Fatalf("%dx%d: dst[%d·%d+%d] = %v, want %v", r, c, j, ldd, i, got, want)
					}
				}
			}
		}
	}
}

// TestTranspose16Panics checks that tiles past 16 and short operands are
// refused.
func TestTranspose16Panics(t *testing.T) {
	for _, c := range []struct {
		r, c, nsrc, ndst int
	}{{17, 1, 64, 64}, {2, 2, 17, 64}, {2, 2, 64, 17}, {16, 16, 16*16 - 1, 256}} {
		t.Run(fmt.Sprintf("%dx%d_%d_%d", c.r, c.c, c.nsrc, c.ndst), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			Transpose16(make([]float32, c.ndst), 16, make([]float32, c.nsrc), 16, c.r, c.c)
		})
	}
}
