package dgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// tolerance bounds the largest difference from gonum's Dgemm relative to
// sum_k |alpha a_ik b_kj| + |beta c_ij|: a different order of summation
// and FMA change the rounding only (measured up to 3e-16 at k = 700).
const tolerance = 1e-14

// onEachPath runs f as a subtest on every kernel path (paths this CPU or
// build lacks are skipped outside CI, fail under CI: testutil.KernelPath).
func onEachPath(t *testing.T, f func(t *testing.T)) {
	prev := cpupath.Active()
	defer cpupath.Set(prev)
	for _, p := range []cpupath.Path{cpupath.AVX512, cpupath.AVX2, cpupath.NEON} {
		t.Run(p.String(), func(t *testing.T) {
			testutil.KernelPath(t, p)
			f(t)
		})
	}
}

func randSlice(r *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = r.NormFloat64()
	}
	return s
}

// gemmCase is one product: shapes, transposes, scalars and extra stride.
type gemmCase struct {
	tA, tB      bool
	m, n, k     int
	alpha, beta float64
	pad         int // added to every leading dimension
}

func (g gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,%dx%dx%d,alpha=%g,beta=%g,pad=%d", g.tA, g.tB, g.m, g.n, g.k, g.alpha, g.beta, g.pad)
}

// check runs g through Gemm and gonum's reference and compares.
func check(t *testing.T, r *rand.Rand, g gemmCase) {
	t.Helper()
	ar, ac := g.m, g.k
	if g.tA {
		ar, ac = g.k, g.m
	}
	br, bc := g.k, g.n
	if g.tB {
		br, bc = g.n, g.k
	}
	lda, ldb, ldc := max(1, ac)+g.pad, max(1, bc)+g.pad, max(1, g.n)+g.pad
	a, b := randSlice(r, max(0, (ar-1)*lda+ac)), randSlice(r, max(0, (br-1)*ldb+bc))
	c := randSlice(r, max(0, (g.m-1)*ldc+g.n))
	if g.beta == 0 && g.m > 0 && g.n > 0 {
		c[0] = math.NaN() // beta = 0 must overwrite, not multiply
	}
	want := append([]float64(nil), c...)
	if g.beta == 0 && g.m > 0 && g.n > 0 {
		want[0] = 0
	}
	tr := func(x bool) blas.Transpose {
		if x {
			return blas.Trans
		}
		return blas.NoTrans
	}
	gonum.Implementation{}.Dgemm(tr(g.tA), tr(g.tB), g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, want, ldc)
	got := append([]float64(nil), c...)
	Gemm(g.tA, g.tB, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, got, ldc)
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.n; j++ {
			scale := math.Abs(g.beta * c[i*ldc+j])
			if math.IsNaN(scale) {
				scale = 0
			}
			for p := 0; p < g.k; p++ {
				ai, bi := i*lda+p, p*ldb+j
				if g.tA {
					ai = p*lda + i
				}
				if g.tB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				scale += math.Abs(g.alpha * av * bv)
			}
			if d := math.Abs(got[i*ldc+j] - want[i*ldc+j]); !(d <= tolerance*math.Max(scale, 1e-300)) {
				t.Fatalf("%v: C[%d,%d] = %g, gonum %g (difference %.2g, scale %.2g)", g, i, j, got[i*ldc+j], want[i*ldc+j], d, scale)
			}
		}
	}
	// The padding between rows is never written.
	for i := 0; i+1 < g.m; i++ {
		for j := g.n; j < ldc; j++ {
			if got[i*ldc+j] != c[i*ldc+j] {
				t.Fatalf("%v: wrote C[%d,%d] outside the matrix", g, i, j)
			}
		}
	}
}

// TestGemmMatchesGonum: every transpose, sizes below, at and across the
// tile and block sizes (odd ones included), alpha/beta cases and padded
// strides, on each kernel path.
func TestGemmMatchesGonum(t *testing.T) {
	onEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		shapes := [][3]int{{1, 1, 1}, {0, 5, 3}, {5, 0, 3}, {3, 5, 0}, {4, 12, 7}, {8, 24, 9}, {7, 11, 13},
			{9, 25, 1}, {17, 23, 257}, {33, 50, 300}, {200, 7, 515}, {5, 400, 70}, {193, 97, 31}, {130, 3100, 3}}
		scalars := [][2]float64{{1, 0}, {1, 1}, {-0.5, 2}, {0, 0.5}, {2.5, -1}}
		for _, s := range shapes {
			for tr := 0; tr < 4; tr++ {
				for i, ab := range scalars {
					check(t, r, gemmCase{tA: tr&1 != 0, tB: tr&2 != 0, m: s[0], n: s[1], k: s[2],
						alpha: ab[0], beta: ab[1], pad: i % 3})
				}
			}
		}
	})
}

// TestGemmRandomShapes: random shapes, transposes, scalars and strides
// (parallel split included: some products are above minParallel).
func TestGemmRandomShapes(t *testing.T) {
	onEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for range 60 {
			g := gemmCase{tA: r.IntN(2) == 1, tB: r.IntN(2) == 1, m: 1 + r.IntN(150), n: 1 + r.IntN(150), k: r.IntN(300),
				alpha: r.NormFloat64(), beta: []float64{0, 1, r.NormFloat64()}[r.IntN(3)], pad: r.IntN(4)}
			check(t, r, g)
		}
		check(t, r, gemmCase{m: 300, n: 290, k: 280, alpha: 1, beta: 1})
		check(t, r, gemmCase{m: 700, n: 40, k: 300, alpha: -1, beta: 1, tB: true})
	})
}

// TestGemmPanics: bad arguments panic with a message, as gonum's do.
func TestGemmPanics(t *testing.T) {
	onEachPath(t, func(t *testing.T) {
		for _, f := range []func(){
			func() {
				Gemm(false, false, 2, 2, 2, 1, make([]float64, 3), 2, make([]float64, 4), 2, 0, make([]float64, 4), 2)
			},
			func() {
				Gemm(false, false, 2, 2, 2, 1, make([]float64, 4), 1, make([]float64, 4), 2, 0, make([]float64, 4), 2)
			},
			func() { Gemm(false, false, -1, 2, 2, 1, nil, 2, nil, 2, 0, nil, 2) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Error("no panic")
					}
				}()
				f()
			}()
		}
	})
}

// TestGenericPath: on the generic path Gemm is unavailable and refuses to
// run.
func TestGenericPath(t *testing.T) {
	prev := cpupath.Active()
	defer cpupath.Set(prev)
	if err := cpupath.Set(cpupath.Generic); err != nil {
		t.Fatal(err)
	}
	if Available() {
		t.Fatal("Available on the generic path")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Gemm ran on the generic path")
		}
	}()
	Gemm(false, false, 1, 1, 1, 1, []float64{1}, 1, []float64{1}, 1, 0, []float64{0}, 1)
}

// BenchmarkGemm reports GFLOP/s of square products on each path and of
// gonum's pure-Go Dgemm.
func BenchmarkGemm(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		r := rand.New(rand.NewPCG(1, 1))
		x, y, z := randSlice(r, n*n), randSlice(r, n*n), make([]float64, n*n)
		run := func(b *testing.B, f func()) {
			for b.Loop() {
				f()
			}
			b.ReportMetric(2*float64(n*n*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		prev := cpupath.Active()
		for _, p := range []cpupath.Path{cpupath.AVX512, cpupath.AVX2, cpupath.NEON} {
			b.Run(fmt.Sprintf("%s/n=%d", p, n), func(b *testing.B) {
				if err := cpupath.Set(p); err != nil {
					b.Skip(err)
				}
				run(b, func() { Gemm(false, false, n, n, n, 1, x, n, y, n, 0, z, n) })
			})
		}
		cpupath.Set(prev)
		b.Run(fmt.Sprintf("gonum/n=%d", n), func(b *testing.B) {
			run(b, func() { gonum.Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, x, n, y, n, 0, z, n) })
		})
	}
}
