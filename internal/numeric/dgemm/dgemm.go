package dgemm

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
	"github.com/hierlearn/hierlearn/internal/numeric/panel"
)

// kernel is one path's micro-kernel and block sizes: run computes
// C[mr×nr] += A·B over k from packed panels (see dgemm_amd64.s and
// dgemm_arm64.s); kc, mc and nc are the depth, height and width of the
// packed blocks.
type kernel struct {
	mr, nr     int
	kc, mc, nc int
	run        func(k int, a, b, c *float64, ldc int)
}

// maxTile bounds mr·nr over the kernels (the edge-tile buffer).
const maxTile = 8 * 24

// minParallel is the product size m·n·k below which Gemm stays on one
// goroutine (a goroutine costs about a microsecond; this is some 50 us of
// work).
const minParallel = 1 << 20

// Available reports whether Gemm can run: the active kernel path
// (cpupath.Active) is avx512, avx2 or neon.
func Available() bool { return kernelFor(cpupath.Active()) != nil }

// Gemm computes C = alpha·op(A)·op(B) + beta·C with gonum's Dgemm
// arguments (row-major; op(A) is m×k, op(B) k×n, C m×n with row stride
// ldc). As in BLAS, beta = 0 overwrites C (NaNs in C do not propagate)
// and alpha = 0 reads neither A nor B. It panics on a bad argument, like
// gonum, and if Available is false.
func Gemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkArgs(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	kn := kernelFor(cpupath.Active())
	if kn == nil {
		panic("dgemm: Gemm: no micro-kernel on the generic kernel path")
	}
	if m == 0 || n == 0 {
		return
	}
	p := &product{kn: kn, tA: tA, tB: tB, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc}
	workers := runtime.GOMAXPROCS(0)
	if m*n*k < minParallel || workers == 1 {
		p.block(0, m, 0, n)
		return
	}
	panel.Split(m, n, kn.mr, kn.nr, workers, p.block)
}

// checkArgs panics unless the operands are large enough for their shapes
// and strides.
func checkArgs(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("dgemm: Gemm: negative size m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	check := func(name string, rows, cols int, x []float64, ld int) {
		if ld < max(1, cols) {
			panic(fmt.Sprintf("dgemm: Gemm: ld%s = %d < %d columns", name, ld, cols))
		}
		if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
			panic(fmt.Sprintf("dgemm: Gemm: len(%s) = %d too short for %d×%d with stride %d", name, len(x), rows, cols, ld))
		}
	}
	check("a", ar, ac, a, lda)
	check("b", br, bc, b, ldb)
	check("c", m, n, c, ldc)
}

// product holds one Gemm call's arguments.
type product struct {
	kn            *kernel
	tA, tB        bool
	k             int
	alpha, beta   float64
	a, b, c       []float64
	lda, ldb, ldc int
}

var bufPool sync.Pool // *[]float64 packing buffers

func getBuf(n int) *[]float64 {
	if v, ok := bufPool.Get().(*[]float64); ok && cap(*v) >= n {
		*v = (*v)[:n]
		return v
	}
	s := make([]float64, n)
	return &s
}

// block computes rows [i0, i1) and columns [j0, j1) of C.
func (p *product) block(i0, i1, j0, j1 int) {
	kn := p.kn
	scale(p.c, p.ldc, i0, i1, j0, j1, p.beta)
	if p.alpha == 0 || p.k == 0 {
		return
	}
	kc := min(kn.kc, p.k)
	nc := min(kn.nc, (j1-j0+kn.nr-1)/kn.nr*kn.nr)
	mc := min(kn.mc, (i1-i0+kn.mr-1)/kn.mr*kn.mr)
	bufA, bufB := getBuf(mc*kc), getBuf(kc*nc)
	defer bufPool.Put(bufA)
	defer bufPool.Put(bufB)
	pa, pb := *bufA, *bufB
	var tmp [maxTile]float64
	for jc := j0; jc < j1; jc += nc {
		nb := min(nc, j1-jc)
		for pc := 0; pc < p.k; pc += kc {
			kb := min(kc, p.k-pc)
			panel.PackB(p.tB, p.b, p.ldb, pc, kb, jc, nb, kn.nr, pb)
			for ic := i0; ic < i1; ic += mc {
				mb := min(mc, i1-ic)
				packA(p.tA, p.a, p.lda, ic, mb, pc, kb, kn.mr, p.alpha, pa)
				for jr := 0; jr < nb; jr += kn.nr {
					bp := &pb[jr*kb]
					cols := min(kn.nr, nb-jr)
					for ir := 0; ir < mb; ir += kn.mr {
						ap := &pa[ir*kb]
						rows := min(kn.mr, mb-ir)
						ci := (ic+ir)*p.ldc + jc + jr
						if rows == kn.mr && cols == kn.nr {
							kn.run(kb, ap, bp, &p.c[ci], p.ldc)
							continue
						}
						// Edge tile: through a zeroed full-size tile.
						t := tmp[:kn.mr*kn.nr]
						clear(t)
						kn.run(kb, ap, bp, &t[0], kn.nr)
						for r := 0; r < rows; r++ {
							dst := p.c[ci+r*p.ldc : ci+r*p.ldc+cols]
							for j, v := range t[r*kn.nr : r*kn.nr+cols] {
								dst[j] += v
							}
						}
					}
				}
			}
		}
	}
}

// scale multiplies the block rows [i0, i1) × columns [j0, j1) of c by
// beta (beta = 0 sets it to zero).
func scale(c []float64, ldc, i0, i1, j0, j1 int, beta float64) {
	if beta == 1 {
		return
	}
	for i := i0; i < i1; i++ {
		row := c[i*ldc+j0 : i*ldc+j1]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
