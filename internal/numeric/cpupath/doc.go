// Package cpupath chooses the instruction set of the assembly kernels of
// internal/numeric/sgemm, internal/numeric/dgemm and internal/numeric/vec,
// once, at start-up:
//
//   - avx512: AVX-512F/DQ micro-kernels (sgemm, dgemm) and AVX2 loops
//     (vec);
//   - avx2: AVX2+FMA micro-kernels and loops (AMD Zen 2/3, Intel before
//     Skylake-SP);
//   - neon: arm64 Advanced SIMD (NEON) micro-kernels and loops (every
//     arm64 CPU: Apple Silicon, Graviton, Ampere, Raspberry Pi 4/5);
//   - generic: plain Go loops; sgemm.Available is false and the importer
//     runs its convolutions through BLAS.
//
// By default the best path the CPU and the build support is used (only
// generic on other architectures or with the purego build tag). The
// environment variable HIERLEARN_KERNEL=avx512|avx2|neon|generic forces
// a path, so that every path can be tested and benchmarked on one
// machine. Forcing a path the CPU lacks never runs its instructions: the
// best supported path is used instead and EnvErr reports why (the
// hierlearn command refuses to run). Tests and benchmarks switch paths
// with Set.
package cpupath
