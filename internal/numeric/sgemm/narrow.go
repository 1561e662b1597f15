package sgemm

// NarrowWidth is the width of Narrow's B panel.
const NarrowWidth = 8

// Narrow computes out[i·8 : i·8+8] = Σ_p A[i][p]·B[p][0:8] for the m×k
// row-major A (row stride lda) and the dense k×8 panel b (zero-padded
// past the columns the caller wants): a product with only a few columns
// (the HNet's 3 to 20), where the packed tiles of Packed would be mostly
// padding. out has row stride 8 and length at least 8m. It panics if
// Available is false.
func Narrow(m, k int, a []float32, lda int, b []float32, out []float32) {
	if kernels() == nil {
		panic("sgemm: Narrow: no micro-kernel on the generic kernel path")
	}
	if m == 0 {
		return
	}
	if lda < k || len(a) < (m-1)*lda+k || len(b) < k*NarrowWidth || len(out) < m*NarrowWidth {
		panic("sgemm: Narrow: operand too short")
	}
	m4 := m / 4
	if m4 > 0 && k > 0 {
		narrowKernel(m4, k, &a[0], lda, &b[0], &out[0])
	} else {
		clear(out[:m4*4*NarrowWidth])
	}
	for i := m4 * 4; i < m; i++ { // the last rows, in Go
		o := out[i*NarrowWidth : i*NarrowWidth+NarrowWidth]
		clear(o)
		for p, v := range a[i*lda : i*lda+k] {
			for j, bv := range b[p*NarrowWidth : p*NarrowWidth+NarrowWidth] {
				o[j] += v * bv
			}
		}
	}
}
