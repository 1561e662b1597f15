// Package dgemm is a float64 matrix product with AVX-512, AVX2+FMA and
// arm64 NEON micro-kernels written in Go assembly, so that a build
// without cgo (CGO_ENABLED=0, what `go install` gives) multiplies
// matrices close to OpenBLAS's speed instead of gonum's pure-Go rate
// (7-14x slower):
//
//	C (m×n) = alpha·op(A)·op(B) + beta·C   (row-major, gonum's Dgemm arguments)
//
// internal/numeric routes gonum's blas64 Dgemm (and, blocked onto it, Dsyrk
// and the Cholesky factorisation) through Gemm in builds without the
// openblas tag.
//
// The product is blocked the usual way (Goto's): op(B) is packed kc×nc at
// a time into panels of nr columns ([k][nr], zero-padded), op(A) mc×kc at a
// time into panels of mr rows ([k][mr], alpha folded in), and a
// micro-kernel keeps an mr×nr tile of C in registers over the kc loop:
// 8×24 in 24 ZMM registers on the avx512 path, 4×12 in 12 YMM registers on
// avx2, 8×6 in 24 of the 32 vector registers on neon (arm64; tested
// under qemu-aarch64, not yet timed on an arm64 CPU). The output is split
// over GOMAXPROCS goroutines by column blocks (row blocks when C is
// taller than wide), each with its own packing buffers.
//
// The kernel path is chosen by internal/numeric/cpupath
// (HIERLEARN_KERNEL=avx512|avx2|neon|generic forces one). On the generic
// path (other architectures, the purego tag) Available is false and
// callers keep gonum's pure-Go Dgemm.
package dgemm
