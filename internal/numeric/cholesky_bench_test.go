package numeric

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

func randFloats(r *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = r.NormFloat64()
	}
	return s
}

// spdPadded returns a random symmetric positive definite n×n matrix with
// row stride ld (B Bᵀ/n + I, well conditioned), NaN in the strict upper
// triangle and the padding (neither may be read).
func spdPadded(r *rand.Rand, n, ld int) []float64 {
	b := randFloats(r, n*n)
	a := make([]float64, n*ld)
	for i := range a {
		a[i] = math.NaN()
	}
	blas64.Implementation().Dsyrk(blas.Lower, blas.NoTrans, n, n, 1/float64(n), b, n, 0, a, ld)
	for i := 0; i < n; i++ {
		a[i*ld+i]++
	}
	return a
}

// BenchmarkCholesky reports GFLOP/s (n³/3) of Cholesky and Cholesky32 at
// n = 2000 on the active path.
func BenchmarkCholesky(b *testing.B) {
	const n = 2000
	a := spdPadded(rand.New(rand.NewPCG(1, 1)), n, n)
	for i := 0; i < n; i++ { // the upper triangle is not read, but finite keeps the copy honest
		for j := i + 1; j < n; j++ {
			a[i*n+j] = 0
		}
	}
	work, work32 := make([]float64, n*n), make([]float32, n*n)
	// On a shared machine the wall time says little: GFLOP per CPU second
	// (user + system, all threads) is reported too.
	var cpu0 float64
	report := func(b *testing.B) {
		flops := float64(n) * n * n / 3 * float64(b.N)
		b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		b.ReportMetric(flops/(cpuSeconds()-cpu0)/1e9, "GFLOP/cpu-s")
	}
	b.Run("float64", func(b *testing.B) {
		cpu0 = cpuSeconds()
		for b.Loop() {
			copy(work, a)
			if err := Cholesky(n, work, n); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("float32", func(b *testing.B) {
		cpu0 = cpuSeconds()
		for b.Loop() {
			for i, v := range a {
				work32[i] = float32(v)
			}
			if err := Cholesky32(n, work32, n); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
}
