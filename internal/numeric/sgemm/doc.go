// Package sgemm is a float32 matrix product for convolutions, with
// AVX-512, AVX2+FMA and arm64 NEON micro-kernels written in Go assembly
// (no cgo, so the pure-Go build gets it too):
//
//	C (M×N, row-major) = A (M×K) · B (K×N) [+ bias per row] [+ C], then
//	optionally ReLU.
//
// Why not BLAS: OpenBLAS 0.3.21's SkylakeX SGEMM reaches only 90-140
// GFLOP/s on a convolution's narrow shapes (M = 64 output channels, or
// N = 49 output pixels) on this project's Xeon, and a 3x3 convolution
// through BLAS needs either im2col (9 copies of the input) or nine GEMMs
// that each re-read and re-write the output. Here the micro-kernels run
// at 150-175 GFLOP/s on one core, and bias and ReLU are applied as the
// output tile is stored.
//
// Two entry points for convolutions:
//
//   - Packed: both operands packed. A in panels of PanelM = 8 rows stored
//     k-major ([k][8], zero-padded; PackA), which suits constant weights
//     packed once; B in panels of PanelN = 32 columns ([k][32],
//     zero-padded; PackBRows, which im2col fills one row at a time). K is
//     blocked so that an A panel stays in L1.
//   - Shifted: B is not packed but read in place as shifted views of one
//     matrix: row t·ch+i of B starts at b[offs[t] + i·ldb]. With b the
//     zero-padded input of a stride-1 convolution (one row of stride ldb
//     per channel) and offs[t] the offset of kernel tap t, that is the
//     convolution without im2col, all taps summed in one pass over each
//     8×48 (or 8×32) output tile.
//
// TapDot is the weight gradient of such a convolution: the dot products
// of each row of A (the output gradient) with shifted windows of B (one
// per input channel and tap), the long dimension streamed in the vector
// lanes with a 4×6 (AVX-512) or 2×6 (AVX2) block of sums in registers,
// so that A and B are read once per block for all taps. On a 2-core AMD
// EPYC (Zen 4, one core) it runs ResNet-20's shapes at 95-100 GFLOP/s
// (BenchmarkTapDot, BenchmarkTapDot64), where OpenBLAS's nine GEMMs ran
// the fit benchmark's weight gradients at about 32 (CPU time, under load).
//
// PackedRow is Packed for a single row of A (an LSTM step at batch 1):
// x·B over the packed B panels, several rows of B per turn into separate
// accumulators (AVX-512 and AVX2+FMA; Go on other platforms with
// micro-kernels).
//
// Narrow is for products with only a few columns (C = A·B with
// B k×8, zero-padded): four rows of A at a time, one broadcast per row
// and k, the B row shared (AVX2+FMA on both amd64 paths). The pure-Go build's
// BLAS (internal/numeric) runs the HNet's products (3 to 20 columns from
// a batch of 512) on it.
//
// The AVX-512 micro-kernels keep a 8×32 or 8×48 tile of C in 16 or 24 ZMM
// registers, broadcast one A element per row and k, and prefetch A (which
// streams from L2/L3: convolution weights) 1 KiB ahead. The drivers
// order the loops so that the larger operand is read once, and take a
// column range [n0, n1) so that callers can split a product over
// goroutines (the importer does, over column or row panels).
//
// The AVX2+FMA kernels (16 YMM registers) compute each 8×32 or 8×48
// tile as four 4×16 or 4×24 tiles (8 or 12 accumulators) over the same
// packed panels. On a 2-core AMD EPYC (Zen 4, both paths; go test
// -bench, medians of 5) Shifted's 3x3 convolutions run at 64-83 GFLOP/s
// on AVX2 and 96-110 on AVX-512; alone, the 4×24 kernel reaches 105
// GFLOP/s, the 4×16 one (Packed's, and the narrow tiles) 85.
//
// The NEON kernels (arm64: 32 vector registers of 4 floats) compute
// 8×12 and 8×8 tiles (24 and 16 accumulators) from the same packed
// panels, one by-element FMLA per accumulator and k; Packed's 8×32 tile
// is 12+12+8 columns, Shifted's tiles are 12 or 8 wide. They are tested
// under qemu-aarch64; no arm64 CPU has timed them yet.
//
// The kernel path is chosen at start-up by internal/numeric/cpupath
// (HIERLEARN_KERNEL=avx512|avx2|neon|generic forces one). Available
// reports whether the kernels can run (the avx512 or avx2 path on amd64,
// neon on arm64, not built with the purego tag); on the generic path
// callers use BLAS.
package sgemm
