// Package panel packs GEMM operands into the column panels that the
// register-blocked micro-kernels read (internal/numeric/sgemm for float32,
// internal/numeric/dgemm for float64): one generic loop for both widths.
package panel
