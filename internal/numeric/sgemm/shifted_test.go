package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Shifted against a float64 triple loop over the explicitly built B.
func TestShifted(t *testing.T) { onEachPath(t, testShifted) }

func testShifted(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range []struct{ M, N, ch, ldb int }{{8, 32, 1, 40}, {16, 100, 3, 120}, {13, 70, 5, 90}, {64, 33, 64, 50}, {9, 40, 150, 60}, {3, 5, 0, 10}} {
		for _, offs := range [][]int{{0}, {0, 1, 2, 7, 8, 9, 14, 15, 16}, {5, 0}} {
			for mode := 0; mode < 8; mode++ {
				bias, relu, acc := mode&1 != 0, mode&2 != 0, mode&4 != 0
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
					// acc: add a separate matrix (a residual), or C itself
					// (accumulate) on odd sizes.
					got := make([]float32, M*N)
					var add []float32
					if acc {
						add = randSlice(r, M*N)
						if M%2 == 1 {
							copy(got, add)
							add = got
						}
					}
					want := naiveSgemm(M, N, K, a, bm, add, bv, acc, relu)
					pa := make([]float32, PackedASize(M, K))
					PackA(M, K, a, K, pa)
					mid := (N / 2) &^ (PanelN - 1)
					Shifted(M, s.ch, offs, pa, b, s.ldb, got, N, bv, add, relu, 0, mid)
					Shifted(M, s.ch, offs, pa, b, s.ldb, got, N, bv, add, relu, mid, N)
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

// BenchmarkShifted times the 3x3 stride-1 convolutions of resnet18 and
// ResNet-20 at batch 1 (GFLOP/s count the padded-width columns computed).
func BenchmarkShifted(b *testing.B) { benchEachPath(b, benchmarkShifted) }

func benchmarkShifted(b *testing.B) {
	for _, s := range []struct{ M, C, H int }{{64, 64, 56}, {128, 128, 28}, {256, 256, 14}, {512, 512, 7}, {16, 16, 32}, {64, 64, 8}} {
		b.Run(fmt.Sprintf("M%dC%dH%d", s.M, s.C, s.H), func(b *testing.B) {
			Wp := s.H + 2
			ps := (s.H+2)*Wp + 2
			offs := []int{0, 1, 2, Wp, Wp + 1, Wp + 2, 2 * Wp, 2*Wp + 1, 2*Wp + 2}
			N := s.H * Wp
			r := rand.New(rand.NewPCG(1, 2))
			K := 9 * s.C
			pa := make([]float32, PackedASize(s.M, K))
			PackA(s.M, K, randSlice(r, s.M*K), K, pa)
			p := randSlice(r, ShiftedSpan(s.C, offs, ps, N))
			c := make([]float32, s.M*N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				Shifted(s.M, s.C, offs, pa, p, ps, c, N, nil, nil, false, 0, N)
			}
			b.ReportMetric(2*float64(s.M*N*K)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkShiftedStem times resnet18's 7x7 stride-2 stem as the
// importer runs it: 3 channels of four 115x115 phase images, 49 taps.
func BenchmarkShiftedStem(b *testing.B) { benchEachPath(b, benchmarkShiftedStem) }

func benchmarkShiftedStem(b *testing.B) {
	const C, M, Hq, Wq, OH = 3, 64, 115, 115, 112
	psz := Hq * Wq
	ld := 4 * psz
	var offs []int
	for i := 0; i < 7; i++ {
		for j := 0; j < 7; j++ {
			offs = append(offs, ((i%2)*2+j%2)*psz+(i/2)*Wq+j/2)
		}
	}
	N := (OH*Wq + PanelN - 1) / PanelN * PanelN
	r := rand.New(rand.NewPCG(1, 2))
	K := len(offs) * C
	pa := make([]float32, PackedASize(M, K))
	PackA(M, K, randSlice(r, M*K), K, pa)
	p := randSlice(r, ShiftedSpan(C, offs, ld, N))
	c := make([]float32, M*N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Shifted(M, C, offs, pa, p, ld, c, N, nil, nil, false, 0, N)
	}
	b.ReportMetric(2*float64(M*N*K)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
