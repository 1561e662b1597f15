//go:build !openblas

package numeric

// BLASName names the active BLAS implementation.
func BLASName() string { return "gonum (pure Go)" }

// OpenBLAS reports whether OpenBLAS is linked in.
const OpenBLAS = false

// SetBLASThreads is a no-op for the pure-Go BLAS, which sizes its own
// parallelism from GOMAXPROCS.
func SetBLASThreads(n int) {}
