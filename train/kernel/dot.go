package kernel

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// dotKernel is a kernel that is an elementwise function of the inner
// products of one or two fixed linear "lifts" of the inputs, plus
// per-point auxiliary values (squared norms and the like). Its Gram matrix
// is computed with BLAS (DGEMM, or DSYRK for a symmetric Gram), then
// mapped entry by entry in parallel.
type dotKernel interface {
	// lifts returns the matrices whose row inner products the kernel
	// needs: one or two, each x.Rows×something.
	lifts(x Matrix) []Matrix
	// naux is the number of auxiliary values per point.
	naux() int
	// aux writes the auxiliary values of point i (row i of every lift)
	// into dst (length naux).
	aux(l []Matrix, i int, dst []float64)
	// mapRow replaces out[j] = <lift0(a_i), lift0(b_j)> by k(a_i, b_j),
	// given g1[j] = <lift1(a_i), lift1(b_j)> (nil with one lift), the
	// auxiliaries ai of a_i and bAux (row j at j*naux) of the b_j.
	mapRow(out, g1, ai, bAux []float64)
}

// binder is implemented by the kernels of this package: bind resolves
// the kernel's parameters for inputs of dimension d.
type binder interface {
	bind(d int) dotKernel
}

// gramRowBlock is the number of rows of a Gram block handed to one DGEMM.
const gramRowBlock = 1024

func auxOf(k dotKernel, l []Matrix) []float64 {
	na := k.naux()
	rows := l[0].Rows
	out := make([]float64, rows*na)
	if na > 0 {
		for i := 0; i < rows; i++ {
			k.aux(l, i, out[i*na:(i+1)*na])
		}
	}
	return out
}

// dotGram computes the Gram block k(a_i, b_j).
func dotGram(k dotKernel, a, b Matrix, out []float64) {
	la := k.lifts(a)
	lb := la
	if !sameMatrix(a, b) {
		lb = k.lifts(b)
	}
	na := k.naux()
	auxA, auxB := auxOf(k, la), auxOf(k, lb)
	nb := b.Rows
	var g1 []float64
	for r0 := 0; r0 < a.Rows; r0 += gramRowBlock {
		r1 := min(r0+gramRowBlock, a.Rows)
		blk := out[r0*nb : r1*nb]
		gemmNT(la[0].SliceRows(r0, r1), lb[0], blk)
		if len(la) > 1 {
			if g1 == nil {
				g1 = make([]float64, gramRowBlock*nb)
			}
			gemmNT(la[1].SliceRows(r0, r1), lb[1], g1)
		}
		parallelRows(r1-r0, func(i int) {
			var gi []float64
			if g1 != nil {
				gi = g1[i*nb : (i+1)*nb]
			}
			k.mapRow(blk[i*nb:(i+1)*nb], gi, auxA[(r0+i)*na:(r0+i+1)*na], auxB)
		})
	}
}

// dotSymGram computes the symmetric Gram matrix k(x_i, x_j) into out
// (n×n, both triangles): DSYRK for the lower triangle, the map on the lower
// triangle only, then a mirror.
func dotSymGram(k dotKernel, x Matrix, out []float64) {
	dotSymGramLower(k, x, out)
	mirrorLower(x.Rows, out)
}

// dotSymGramLower is dotSymGram without the mirror: only the lower
// triangle of out is written.
func dotSymGramLower(k dotKernel, x Matrix, out []float64) {
	n := x.Rows
	l := k.lifts(x)
	na := k.naux()
	aux := auxOf(k, l)
	syrkLower(l[0], out)
	var g1 []float64
	if len(l) > 1 {
		g1 = make([]float64, n*n)
		syrkLower(l[1], g1)
	}
	parallelRows(n, func(i int) {
		var gi []float64
		if g1 != nil {
			gi = g1[i*n : i*n+i+1]
		}
		k.mapRow(out[i*n:i*n+i+1], gi, aux[i*na:(i+1)*na], aux)
	})
}

// syrkLower writes the lower triangle of a aᵀ into out (a.Rows square).
func syrkLower(a Matrix, out []float64) {
	n := a.Rows
	if n == 0 {
		return
	}
	if a.Cols == 0 {
		clear(out[:n*n])
		return
	}
	blas64.Syrk(blas.NoTrans, 1, blas64.General{Rows: n, Cols: a.Cols, Stride: a.Cols, Data: a.Data},
		0, blas64.Symmetric{Uplo: blas.Lower, N: n, Stride: n, Data: out})
}

// mirrorLower copies the strict lower triangle of the n×n matrix a into
// its strict upper triangle, in cache-sized tiles.
func mirrorLower(n int, a []float64) {
	const tile = 64
	nt := (n + tile - 1) / tile
	parallelRows(nt, func(t int) {
		i0 := t * tile
		i1 := min(i0+tile, n)
		for j0 := 0; j0 <= i0; j0 += tile {
			j1 := min(j0+tile, n)
			for i := i0; i < i1; i++ {
				for j := j0; j < min(j1, i); j++ {
					a[j*n+i] = a[i*n+j]
				}
			}
		}
	})
}

// parallelRows calls f(i) for i in [0, n) on GOMAXPROCS goroutines, rows
// interleaved in chunks so that triangular work balances.
func parallelRows(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	const chunk = 16
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for c := w * chunk; c < n; c += workers * chunk {
				for i := c; i < min(c+chunk, n); i++ {
					f(i)
				}
			}
		}(w)
	}
	wg.Wait()
}

// Gram computes the Gram block of any kernel. For the kernels of this
// package it takes the BLAS path.
func Gram(k Kernel, a, b Matrix, out []float64) error {
	return k.Gram(a, b, out)
}

// symGramLower writes at least the lower triangle of the Gram matrix of
// x into out; it reports whether the upper triangle was written too.
func symGramLower(k Kernel, x Matrix, out []float64) (full bool, err error) {
	if b, ok := k.(binder); ok {
		dotSymGramLower(b.bind(x.Cols), x, out)
		return false, nil
	}
	return true, k.Gram(x, x, out)
}

// SymGram computes the symmetric Gram matrix of x (both triangles) into
// out, through DSYRK for the kernels of this package.
func SymGram(k Kernel, x Matrix, out []float64) error {
	if b, ok := k.(binder); ok {
		dotSymGram(b.bind(x.Cols), x, out)
		return nil
	}
	return k.Gram(x, x, out)
}
