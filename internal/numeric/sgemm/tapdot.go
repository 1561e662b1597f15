package sgemm

// tapDotKernel adds to c[i·ldc + j] the dot products Σ_{q<k} a[i·lda +
// q]·b[offs[j] + q] for i < its rows and j < tapDotCols, k a multiple of
// its lanes (lda, ldc and offs in floats).
type tapDotKernel func(k int, a *float32, lda int, b *float32, offs *int, c *float32, ldc int)

// tapDotSet is one kernel path's TapDot micro-kernel.
type tapDotSet struct {
	rows, lanes int
	kern        tapDotKernel
}

// tapDotCols is the number of shifted windows of b each micro-kernel call
// takes.
const tapDotCols = 6

// tapDotBlock is how many columns of a (and of each window) one
// micro-kernel call streams: the a rows and windows of a block stay in
// L1 and L2 across the calls over all windows, and each call's final
// horizontal sums (24 of 16 lanes) cost about 5% of it. (AMD EPYC Zen 4,
// one core, load 2: BenchmarkTapDot and TapDot64 ran at 93 and 81
// GFLOP/s with 1024, 100 and 95 with 2048, 97 and 102 with 4096.)
var tapDotBlock = 2048

// TapDot adds to c[i·ldc + j] the dot products
//
//	Σ_{q<k} a[i·lda + q] · b[offs[j] + q]   for i < m, j < len(offs):
//
// m rows of a against len(offs) windows of b, each k long. This is the
// weight gradient of a stride-1 convolution without im2col: with a the
// output gradient (one row per output channel, laid out on the padded
// width as Shifted's output) and b the zero-padded input (one row of
// stride ldb per channel), window j = ch·taps + t at ch·ldb + offs[t]
// gives dW[i][ch][t]. The long k dimension is streamed in the vector
// lanes, 4×6 (AVX-512) or 2×6 (AVX2) sums in registers at a time, so the
// input and gradient are read once per block rather than once per tap
// as nine GEMMs would. On the generic path it runs plain Go loops
// (callers there use BLAS). Panics if an operand is too short or an
// offset negative.
func TapDot(m, k int, a []float32, lda int, b []float32, offs []int, c []float32, ldc int) {
	n := len(offs)
	if m == 0 || n == 0 || k == 0 {
		return
	}
	maxOff := 0
	for _, o := range offs {
		if o < 0 {
			panic("sgemm: TapDot: negative offset")
		}
		maxOff = max(maxOff, o)
	}
	if lda < 0 || ldc < n || len(a) < (m-1)*lda+k || len(b) < maxOff+k || len(c) < (m-1)*ldc+n {
		panic("sgemm: TapDot: operand too short")
	}
	ks := tapDotKernels()
	kv := 0 // the columns the micro-kernels take; the rest in Go
	if ks != nil {
		kv = k - k%ks.lanes
	}
	for k0 := 0; k0 < kv; k0 += tapDotBlock {
		kk := min(tapDotBlock, kv-k0)
		for i0 := 0; i0 < m; i0 += ks.rows {
			for j0 := 0; j0 < n; j0 += tapDotCols {
				tapDotTile(ks, m, n, kk, i0, j0, at(&a[0], k0), lda, at(&b[0], k0), offs, c, ldc)
			}
		}
	}
	for i := 0; i < m; i++ {
		for j, o := range offs {
			var s float32
			for q := kv; q < k; q++ {
				s += a[i*lda+q] * b[o+q]
			}
			c[i*ldc+j] += s
		}
	}
}

// tapDotTile runs ks's micro-kernel on rows [i0, i0+rows) and windows
// [j0, j0+tapDotCols) of TapDot's product, through a scratch tile where
// either reaches past m or n (repeating the last row or window, whose
// extra sums are dropped).
func tapDotTile(ks *tapDotSet, m, n, k, i0, j0 int, a *float32, lda int, b *float32, offs []int, c []float32, ldc int) {
	ap := at(a, i0*lda)
	if i0+ks.rows <= m && j0+tapDotCols <= n {
		ks.kern(k, ap, lda, b, &offs[j0], &c[i0*ldc+j0], ldc)
		return
	}
	var o [tapDotCols]int
	for j := range o {
		o[j] = offs[min(j0+j, n-1)]
	}
	var tile [4 * tapDotCols]float32
	rows := min(ks.rows, m-i0)
	for r := 0; r < rows; r++ {
		// One row at a time (lda 0: every kernel row is row i0+r), so
		// that no row past m is read.
		clear(tile[:])
		ks.kern(k, at(ap, r*lda), 0, b, &o[0], &tile[0], tapDotCols)
		for j := 0; j < min(tapDotCols, n-j0); j++ {
			c[(i0+r)*ldc+j0+j] += tile[j]
		}
	}
}
