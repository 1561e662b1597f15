// Package panel holds what the register-blocked GEMMs of
// internal/numeric/sgemm (float32) and internal/numeric/dgemm (float64)
// share whatever the element type: packing of the B operand into column
// panels (PackB) and the split of a product over workers in whole panels
// (Split).
package panel
