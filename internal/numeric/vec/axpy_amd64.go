//go:build amd64 && !purego

package vec

// axpyAVX2 sets dst[i] += a·x[i] (fused) for i < n, n a multiple of 8
// (axpy_amd64.s).
//
//go:noescape
func axpyAVX2(dst, x *float32, a float32, n int)

// hardSigmoidAVX2 is HardSigmoid for i < n, n a multiple of 8, swish 0
// or 1 (hardsigmoid_amd64.s).
//
//go:noescape
func hardSigmoidAVX2(dst, src *float32, alpha, beta float32, n int, swish int)

// mulAVX2 sets dst[i] = a[i]·b[i] for i < n, n a multiple of 8
// (mul_amd64.s).
//
//go:noescape
func mulAVX2(dst, a, b *float32, n int)
