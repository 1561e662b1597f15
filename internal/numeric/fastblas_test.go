//go:build !openblas

package numeric

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
	lapackgonum "gonum.org/v1/gonum/lapack/gonum"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// Tolerances of the pure-Go build's fast BLAS against gonum's reference,
// relative to the largest magnitude in the result: the order of summation
// and FMA change the rounding only. Measured (Zen 4, avx512 and avx2
// paths): GEMM 2.6e-15 (float64) and 1.1e-6 (float32, k up to 800);
// Cholesky factor 6e-16 at n = 517; float32 Cholesky reconstruction
// max |L Lᵀ - A| 1.5e-6 (2.5e-7 on the generic path, which factors in
// float64).
const (
	tolBLAS64 = 3e-14
	tolBLAS32 = 1e-5
	tolChol64 = 1e-14
	tolChol32 = 1.5e-5
)

// onEveryPath runs f on each kernel path (generic included: gonum's own
// routines there); paths this CPU or build lacks are skipped outside CI
// and fail under CI (testutil.KernelPath).
func onEveryPath(t *testing.T, f func(t *testing.T)) {
	prev := cpupath.Active()
	defer cpupath.Set(prev)
	for _, p := range []cpupath.Path{cpupath.AVX512, cpupath.AVX2, cpupath.NEON, cpupath.Generic} {
		t.Run(p.String(), func(t *testing.T) {
			testutil.KernelPath(t, p)
			f(t)
		})
	}
}

func to32(s []float64) []float32 {
	d := make([]float32, len(s))
	for i, v := range s {
		d[i] = float32(v)
	}
	return d
}

// maxRelDiff returns max |got - want| / max |want| over the m×n matrices
// (row stride ld).
func maxRelDiff[T float32 | float64](m, n int, got, want []T, ld int) float64 {
	var d, s float64
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			d = math.Max(d, math.Abs(float64(got[i*ld+j]-want[i*ld+j])))
			s = math.Max(s, math.Abs(float64(want[i*ld+j])))
		}
	}
	return d / math.Max(s, 1e-300)
}

var transposes = []blas.Transpose{blas.NoTrans, blas.Trans, blas.ConjTrans}

// TestGemmMatchesGonum: blas64 and blas32 GEMM, every transpose, odd
// sizes around the block sizes, alpha/beta cases and padded strides,
// against gonum's reference.
func TestGemmMatchesGonum(t *testing.T) {
	onEveryPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		var worst64, worst32 float64
		defer func() { t.Logf("largest relative difference: Dgemm %.2g, Sgemm %.2g", worst64, worst32) }()
		for _, s := range [][3]int{{37, 29, 41}, {130, 70, 257}, {3, 200, 50}, {300, 5, 800}, {9, 9, 9}, {200, 7, 100}, {70, 130, 4}, {513, 3, 20}, {512, 6, 3}, {512, 20, 3}, {100, 31, 9}} {
			for _, tA := range transposes {
				for _, tB := range transposes[:2] {
					for _, ab := range [][2]float64{{1, 0}, {-0.7, 1.3}, {2, 1}} {
						m, n, k := s[0], s[1], s[2]
						name := fmt.Sprintf("%c%c %dx%dx%d alpha=%g beta=%g", tA, tB, m, n, k, ab[0], ab[1])
						ar, ac, br, bc := m, k, k, n
						if tA != blas.NoTrans {
							ar, ac = k, m
						}
						if tB != blas.NoTrans {
							br, bc = n, k
						}
						lda, ldb, ldc := ac+1, bc+2, n+3
						a, b, c := randFloats(r, ar*lda), randFloats(r, br*ldb), randFloats(r, m*ldc)
						want, got := append([]float64(nil), c...), append([]float64(nil), c...)
						gonum.Implementation{}.Dgemm(tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
						blas64.Implementation().Dgemm(tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], got, ldc)
						d := maxRelDiff(m, ldc, got, want, ldc)
						worst64 = math.Max(worst64, d)
						if !(d <= tolBLAS64) {
							t.Fatalf("Dgemm %s: relative difference %.2g", name, d)
						}
						want32, got32 := to32(c), to32(c)
						gonum.Implementation{}.Sgemm(tA, tB, m, n, k, float32(ab[0]), to32(a), lda, to32(b), ldb, float32(ab[1]), want32, ldc)
						blas32.Implementation().Sgemm(tA, tB, m, n, k, float32(ab[0]), to32(a), lda, to32(b), ldb, float32(ab[1]), got32, ldc)
						d = maxRelDiff(m, ldc, got32, want32, ldc)
						worst32 = math.Max(worst32, d)
						if !(d <= tolBLAS32) {
							t.Fatalf("Sgemm %s: relative difference %.2g", name, d)
						}
					}
				}
			}
		}
	})
}

// TestSyrkMatchesGonum: blas64 and blas32 SYRK on both triangles and
// transposes; the other triangle is not written.
func TestSyrkMatchesGonum(t *testing.T) {
	onEveryPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		for _, s := range [][2]int{{50, 30}, {401, 77}, {200, 1}} {
			for _, ul := range []blas.Uplo{blas.Lower, blas.Upper} {
				for _, tr := range transposes[:2] {
					for _, ab := range [][2]float64{{1, 0}, {-0.5, 2}} {
						n, k := s[0], s[1]
						name := fmt.Sprintf("%c %c n=%d k=%d alpha=%g beta=%g", ul, tr, n, k, ab[0], ab[1])
						ar, ac := n, k
						if tr != blas.NoTrans {
							ar, ac = k, n
						}
						lda, ldc := ac+2, n+1
						a, c := randFloats(r, ar*lda), randFloats(r, n*ldc)
						want, got := append([]float64(nil), c...), append([]float64(nil), c...)
						gonum.Implementation{}.Dsyrk(ul, tr, n, k, ab[0], a, lda, ab[1], want, ldc)
						blas64.Implementation().Dsyrk(ul, tr, n, k, ab[0], a, lda, ab[1], got, ldc)
						if d := maxRelDiff(n, ldc, got, want, ldc); !(d <= tolBLAS64) {
							t.Fatalf("Dsyrk %s: relative difference %.2g (or the other triangle written)", name, d)
						}
						want32, got32 := to32(c), to32(c)
						gonum.Implementation{}.Ssyrk(ul, tr, n, k, float32(ab[0]), to32(a), lda, float32(ab[1]), want32, ldc)
						blas32.Implementation().Ssyrk(ul, tr, n, k, float32(ab[0]), to32(a), lda, float32(ab[1]), got32, ldc)
						if d := maxRelDiff(n, ldc, got32, want32, ldc); !(d <= tolBLAS32) {
							t.Fatalf("Ssyrk %s: relative difference %.2g (or the other triangle written)", name, d)
						}
					}
				}
			}
		}
	})
}

// TestCholeskyMatchesGonum: Cholesky (blocked on the fast GEMM on the
// avx512 and avx2 paths) against gonum's Dpotrf, sizes across the panel
// width, padded stride; Cholesky32 by its reconstruction L Lᵀ = A; the
// strict upper triangle stays untouched (NaN in, NaN out).
func TestCholeskyMatchesGonum(t *testing.T) {
	onEveryPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		for _, n := range []int{1, 17, 128, 129, 517} {
			ld := n + 3
			a := spdPadded(r, n, ld)
			want := append([]float64(nil), a...)
			if !(lapackgonum.Implementation{}).Dpotrf(blas.Lower, n, want, ld) {
				t.Fatalf("n=%d: gonum's Dpotrf failed", n)
			}
			got := append([]float64(nil), a...)
			if err := Cholesky(n, got, ld); err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
			var d, d32, s float64
			f := to32(a)
			if err := Cholesky32(n, f, ld); err != nil {
				t.Fatalf("n=%d: Cholesky32: %v", n, err)
			}
			for i := 0; i < n; i++ {
				for j := 0; j < ld; j++ {
					if j > i {
						if !math.IsNaN(got[i*ld+j]) || !math.IsNaN(float64(f[i*ld+j])) {
							t.Fatalf("n=%d: wrote the upper triangle or padding at %d,%d", n, i, j)
						}
						continue
					}
					d = math.Max(d, math.Abs(got[i*ld+j]-want[i*ld+j]))
					s = math.Max(s, math.Abs(want[i*ld+j]))
					var llt float64 // (L Lᵀ)[i][j] in float64 from the float32 factor
					for p := 0; p <= j; p++ {
						llt += float64(f[i*ld+p]) * float64(f[j*ld+p])
					}
					d32 = math.Max(d32, math.Abs(llt-a[i*ld+j]))
				}
			}
			t.Logf("n=%d: Cholesky vs gonum %.2g, Cholesky32 reconstruction %.2g", n, d/s, d32)
			if d/s > tolChol64 {
				t.Errorf("n=%d: Cholesky differs from gonum by %.2g (relative)", n, d/s)
			}
			if d32 > tolChol32 {
				t.Errorf("n=%d: Cholesky32's L Lᵀ differs from A by %.2g", n, d32)
			}
		}
		// Not positive definite at order 200: the error names the minor.
		n := 300
		a := spdPadded(r, n, n)
		a[199*n+199] = -1
		err := Cholesky(n, a, n)
		if !errors.Is(err, ErrNotPositiveDefinite) {
			t.Fatalf("indefinite matrix: err = %v", err)
		}
		if cpupath.Active() != cpupath.Generic && err.Error() != cholError(200).Error() {
			t.Errorf("indefinite matrix: err = %v, want %v", err, cholError(200))
		}
	})
}
