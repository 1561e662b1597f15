package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func naiveSgemm(M, N, K int, a, b, c, bias []float32, accumulate, relu bool) []float32 {
	out := make([]float32, M*N)
	for m := 0; m < M; m++ {
		for n := 0; n < N; n++ {
			var s float64
			if bias != nil {
				s = float64(bias[m])
			}
			if accumulate {
				s += float64(c[m*N+n])
			}
			for k := 0; k < K; k++ {
				s += float64(a[m*K+k]) * float64(b[k*N+n])
			}
			if relu && s < 0 {
				s = 0
			}
			out[m*N+n] = float32(s)
		}
	}
	return out
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// Packed against a float64 triple loop, over shapes with edge tiles,
// several K blocks, bias, accumulation, ReLU and column ranges.
func TestPacked(t *testing.T) { onEachPath(t, testPacked) }

func testPacked(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range [][3]int{{1, 1, 1}, {8, 32, 5}, {7, 33, 17}, {64, 49, 800}, {17, 100, 3}, {16, 64, 1000}, {3, 5, 0}} {
		M, N, K := s[0], s[1], s[2]
		for _, mode := range []int{0, 1, 2, 3, 4, 7} {
			bias, acc, relu := mode&4 != 0 || mode == 7, mode&1 != 0, mode&2 != 0
			t.Run(fmt.Sprintf("M%dN%dK%d/mode%d", M, N, K, mode), func(t *testing.T) {
				a, b, c := randSlice(r, M*K), randSlice(r, K*N), randSlice(r, M*N)
				var bv []float32
				if bias {
					bv = randSlice(r, M)
				}
				want := naiveSgemm(M, N, K, a, b, c, bv, acc, relu)
				pa := make([]float32, PackedASize(M, K))
				PackA(M, K, a, K, pa)
				pb := make([]float32, PackedBSize(K, N))
				PackBRows(K, N, 0, K, b, N, pb)
				got := append([]float32{}, c...)
				mid := (N / 2) &^ (PanelN - 1)
				Packed(M, N, K, pa, pb, got, N, bv, acc, relu, 0, mid)
				Packed(M, N, K, pa, pb, got, N, bv, acc, relu, mid, N)
				for i := range want {
					if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i])))*math.Sqrt(float64(K+1)) {
						t.Fatalf("element %d: got %v, want %v", i, got[i], want[i])
					}
				}
			})
		}
	}
}

func BenchmarkPacked(b *testing.B) { benchEachPath(b, benchmarkPacked) }

func benchmarkPacked(b *testing.B) {
	for _, s := range [][3]int{{64, 12544, 147}, {64, 3136, 576}, {128, 784, 1152}, {256, 196, 2304}, {512, 49, 4608}, {16, 1024, 144}, {64, 64, 576}, {512, 512, 512}} {
		M, N, K := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("M%dN%dK%d", M, N, K), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			pa := make([]float32, PackedASize(M, K))
			PackA(M, K, randSlice(r, M*K), K, pa)
			pb := make([]float32, PackedBSize(K, N))
			PackBRows(K, N, 0, K, randSlice(r, K*N), N, pb)
			c := make([]float32, M*N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				Packed(M, N, K, pa, pb, c, N, nil, false, false, 0, N)
			}
			b.ReportMetric(2*float64(M*N*K)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
