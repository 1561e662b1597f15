package numeric

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// spd returns a random symmetric positive definite n×n matrix B Bᵀ + n I.
func spd(n int, rng *rand.Rand) []float64 {
	b := make([]float64, n*n)
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	a := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for k := 0; k < n; k++ {
				s += b[i*n+k] * b[j*n+k]
			}
			a[i*n+j] = s
		}
		a[i*n+i] += float64(n)
	}
	return a
}

func matVec(n, cols int, a, x []float64, col int) []float64 {
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		for k := 0; k < n; k++ {
			y[i] += a[i*n+k] * x[k*cols+col]
		}
	}
	return y
}

func TestCholeskySolve(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ n, nrhs int }{{1, 1}, {5, 1}, {37, 3}, {130, 10}} {
		a := spd(tc.n, rng)
		orig := append([]float64(nil), a...)
		diag := make([]float64, tc.n)
		for i := range diag {
			diag[i] = a[i*tc.n+i]
		}
		b := make([]float64, tc.n*tc.nrhs)
		for i := range b {
			b[i] = rng.NormFloat64()
		}
		x := append([]float64(nil), b...)
		if err := Cholesky(tc.n, a, tc.n); err != nil {
			t.Fatalf("n=%d: %v", tc.n, err)
		}
		// The strict upper triangle must be untouched.
		for i := 0; i < tc.n; i++ {
			for j := i + 1; j < tc.n; j++ {
				if a[i*tc.n+j] != orig[i*tc.n+j] {
					t.Fatalf("n=%d: upper triangle written at (%d,%d)", tc.n, i, j)
				}
			}
		}
		if err := CholSolve(tc.n, a, tc.n, tc.nrhs, x); err != nil {
			t.Fatal(err)
		}
		for c := 0; c < tc.nrhs; c++ {
			ax := matVec(tc.n, tc.nrhs, orig, x, c)
			for i := range ax {
				if d := math.Abs(ax[i] - b[i*tc.nrhs+c]); d > 1e-9*float64(tc.n) {
					t.Fatalf("n=%d nrhs=%d: residual %g at (%d,%d)", tc.n, tc.nrhs, d, i, c)
				}
			}
		}
		RestoreLower(tc.n, a, tc.n, diag)
		for i := range a {
			if a[i] != orig[i] {
				t.Fatalf("n=%d: RestoreLower differs at %d", tc.n, i)
			}
		}
	}
}

func TestCholesky32(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct{ n, lda, nrhs int }{{1, 1, 1}, {20, 20, 1}, {33, 40, 4}} {
		a := spd(tc.lda, rng)
		a32 := make([]float32, len(a))
		for i, v := range a {
			a32[i] = float32(v)
		}
		b := make([]float32, tc.n*tc.nrhs)
		for i := range b {
			b[i] = float32(rng.NormFloat64())
		}
		x := append([]float32(nil), b...)
		if err := Cholesky32(tc.n, a32, tc.lda); err != nil {
			t.Fatal(err)
		}
		if err := CholSolve32(tc.n, a32, tc.lda, tc.nrhs, x); err != nil {
			t.Fatal(err)
		}
		for c := 0; c < tc.nrhs; c++ {
			for i := 0; i < tc.n; i++ {
				s := 0.0
				for k := 0; k < tc.n; k++ {
					s += a[i*tc.lda+k] * float64(x[k*tc.nrhs+c])
				}
				if d := math.Abs(s - float64(b[i*tc.nrhs+c])); d > 1e-4*float64(tc.n) {
					t.Fatalf("n=%d: float32 residual %g at (%d,%d)", tc.n, d, i, c)
				}
			}
		}
	}
	if err := Cholesky32(2, []float32{1, 2, 2, 1}, 2); !errors.Is(err, ErrNotPositiveDefinite) {
		t.Fatalf("err = %v", err)
	}
}

func TestCholeskyNotPD(t *testing.T) {
	a := []float64{1, 2, 2, 1} // eigenvalues 3 and -1
	if err := Cholesky(2, a, 2); !errors.Is(err, ErrNotPositiveDefinite) {
		t.Fatalf("err = %v, want ErrNotPositiveDefinite", err)
	}
}

func TestSymEig(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 40
	a := spd(n, rng)
	orig := append([]float64(nil), a...)
	w := make([]float64, n)
	if err := SymEig(n, a, w); err != nil {
		t.Fatal(err)
	}
	for j := 0; j < n; j++ {
		if j > 0 && w[j] < w[j-1] {
			t.Fatalf("eigenvalues not ascending: %v", w)
		}
		av := matVec(n, n, orig, a, j)
		for i := 0; i < n; i++ {
			if d := math.Abs(av[i] - w[j]*a[i*n+j]); d > 1e-9*w[n-1] {
				t.Fatalf("A v != lambda v for eigenpair %d: diff %g", j, d)
			}
		}
		norm := 0.0
		for i := 0; i < n; i++ {
			norm += a[i*n+j] * a[i*n+j]
		}
		if math.Abs(norm-1) > 1e-12 {
			t.Fatalf("eigenvector %d has norm^2 %g", j, norm)
		}
	}
}

// TestCholeskyLeadingBlock factorises the leading block of a larger matrix
// (lda > n), as the ridge search does, and checks the rest is untouched.
func TestCholeskyLeadingBlock(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	big, n := 30, 17
	a := spd(big, rng)
	orig := append([]float64(nil), a...)
	sub := make([]float64, n*n)
	for i := 0; i < n; i++ {
		copy(sub[i*n:(i+1)*n], a[i*big:i*big+n])
	}
	b := make([]float64, n)
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	x := append([]float64(nil), b...)
	if err := Cholesky(n, a, big); err != nil {
		t.Fatal(err)
	}
	if err := CholSolve(n, a, big, 1, x); err != nil {
		t.Fatal(err)
	}
	ax := matVec(n, 1, sub, x, 0)
	for i := range ax {
		if d := math.Abs(ax[i] - b[i]); d > 1e-9 {
			t.Fatalf("residual %g at %d", d, i)
		}
	}
	for i := 0; i < big; i++ {
		for j := 0; j < big; j++ {
			if (i >= n || j >= n || j > i) && a[i*big+j] != orig[i*big+j] {
				t.Fatalf("element (%d,%d) outside the block's lower triangle changed", i, j)
			}
		}
	}
}

func benchSPD(b *testing.B, n int) []float64 {
	rng := rand.New(rand.NewPCG(1, 1))
	a := make([]float64, n*n)
	for i := range a {
		a[i] = rng.NormFloat64() / float64(n)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			a[j*n+i] = a[i*n+j]
		}
		a[i*n+i] = 2
	}
	return a
}

// BenchmarkFactor compares one Cholesky with one symmetric
// eigendecomposition, the two ways to solve a ridge grid.
func BenchmarkFactor(b *testing.B) {
	for _, n := range []int{1000, 2000} {
		a := benchSPD(b, n)
		work := make([]float64, n*n)
		w := make([]float64, n)
		b.Run(fmt.Sprintf("cholesky/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				copy(work, a)
				if err := Cholesky(n, work, n); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("symeig/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				copy(work, a)
				if err := SymEig(n, work, w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
