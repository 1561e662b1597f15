package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Shifted against a float64 triple loop over the explicitly built B.
func TestShifted(t *testing.T) {
	if !Available() {
		t.Skip("no AVX-512F: the packed SGEMM is not used on this CPU")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range []struct{ M, N, ch, ldb int }{{8, 32, 1, 40}, {16, 100, 3, 120}, {13, 70, 5, 90}, {64, 33, 64, 50}, {3, 5, 0, 10}} {
		for _, offs := range [][]int{{0}, {0, 1, 2, 7, 8, 9, 14, 15, 16}, {5, 0}} {
			for _, mode := range []int{0, 1, 2, 3} {
				bias, relu := mode&1 != 0, mode&2 != 0
				t.Run(fmt.Sprintf("M%dN%dch%d/taps%d/mode%d", s.M, s.N, s.ch, len(offs), mode), func(t *testing.T) {
					M, N, K := s.M, s.N, len(offs)*s.ch
					a := randSlice(r, M*K)
					b := randSlice(r, ShiftedSpan(s.ch, offs, s.ldb, N))
					bm := make([]float32, K*N)
					for ti, o := range offs {
						for i := 0; i < s.ch; i++ {
							copy(bm[(ti*s.ch+i)*N:(ti*s.ch+i+1)*N], b[o+i*s.ldb:])
						}
					}
					var bv []float32
					if bias {
						bv = randSlice(r, M)
					}
					want := naiveSgemm(M, N, K, a, bm, nil, bv, false, relu)
					pa := make([]float32, PackedASize(M, K))
					PackA(M, K, a, K, pa)
					got := make([]float32, M*N)
					mid := (N / 2) &^ (PanelN - 1)
					Shifted(M, s.ch, offs, pa, b, s.ldb, got, N, bv, relu, 0, mid)
					Shifted(M, s.ch, offs, pa, b, s.ldb, got, N, bv, relu, mid, N)
					for i := range want {
						if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i])))*math.Sqrt(float64(K+1)) {
							t.Fatalf("element %d: got %v, want %v", i, got[i], want[i])
						}
					}
				})
			}
		}
	}
}
