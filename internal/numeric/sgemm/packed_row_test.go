package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// packedRowTol bounds PackedRow's error against float64 relative to the
// sum of |x|·|B| of a column: measured up to 1.2e-7 (four interleaved
// partial sums in float32).
const packedRowTol = 2e-6

// PackedRow against a float64 loop, over depths with and without a
// remainder of the kernels' unrolling, partial last panels and column
// ranges.
func TestPackedRow(t *testing.T) { onEachPath(t, testPackedRow) }

func testPackedRow(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range [][4]int{{1, 32, 0, 32}, {3, 64, 0, 64}, {5, 96, 32, 96}, {256, 1024, 256, 512}, {257, 49, 0, 49}, {6, 81, 32, 81}, {0, 32, 0, 32}, {7, 64, 32, 32}} {
		K, N, n0, n1 := s[0], s[1], s[2], s[3]
		t.Run(fmt.Sprintf("K%dN%d[%d,%d)", K, N, n0, n1), func(t *testing.T) {
			x, b := randSlice(r, K), randSlice(r, K*N)
			pb := make([]float32, PackedBSize(K, N))
			PackBRows(K, N, 0, K, b, N, pb)
			out := randSlice(r, N)
			before := append([]float32(nil), out...)
			PackedRow(K, N, x, pb, out, n0, n1)
			for n := 0; n < N; n++ {
				if n < n0 || n >= n1 {
					if out[n] != before[n] {
						t.Fatalf("column %d outside [%d,%d) written", n, n0, n1)
					}
					continue
				}
				var want, scale float64
				for k := 0; k < K; k++ {
					want += float64(x[k]) * float64(b[k*N+n])
					scale += math.Abs(float64(x[k]) * float64(b[k*N+n]))
				}
				if d := math.Abs(float64(out[n]) - want); d > packedRowTol*max(scale, 1e-30) && d > 0 {
					t.Fatalf("column %d: %v, want %v (scale %v)", n, out[n], want, scale)
				}
			}
		})
	}
}

// A column range that is not in whole panels is refused.
func TestPackedRowBadRange(t *testing.T) {
	onEachPath(t, func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		PackedRow(1, 64, make([]float32, 1), make([]float32, 64), make([]float32, 64), 16, 64)
	})
}

// BenchmarkPackedRow times an LSTM step's product at batch 1 (hidden
// 256: x of 256 by Rᵀ of 256×1024, 1 MB).
func BenchmarkPackedRow(b *testing.B) { benchEachPath(b, benchmarkPackedRow) }

func benchmarkPackedRow(b *testing.B) {
	const K, N = 256, 1024
	r := rand.New(rand.NewPCG(1, 2))
	x, m := randSlice(r, K), randSlice(r, K*N)
	pb := make([]float32, PackedBSize(K, N))
	PackBRows(K, N, 0, K, m, N, pb)
	out := make([]float32, N)
	b.SetBytes(4 * K * N)
	for i := 0; i < b.N; i++ {
		PackedRow(K, N, x, pb, out, 0, N)
	}
}
