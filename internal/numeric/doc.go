// Package numeric holds the numerics shared by several packages: the BLAS
// switch and the thread policy.
//
//	fmt.Println(numeric.BLASName()) // "openblas (...)" with -tags openblas
//	numeric.SetBLASThreads(1)
//	err := numeric.Cholesky(n, a, n) // LAPACK through the same switch
//
// # BLAS
//
// By default gonum's pure-Go BLAS is used, so the module builds anywhere
// without cgo. Built with the `openblas` tag (the Makefile does this),
// importing this package routes gonum's blas64 and blas32 through
// OpenBLAS via gonum's netlib cgo bindings (Debian: libopenblas-dev).
// BLASName reports which one is active.
//
// Without the tag, on amd64's avx512 and avx2 kernel paths
// (internal/numeric/cpupath), the level-3 routines that carry the flops
// are replaced in gonum's blas64 and blas32 (fastblas.go): Dgemm by
// internal/numeric/dgemm's Go-assembly kernels, Sgemm by
// internal/numeric/sgemm's, Dsyrk and Ssyrk by blocks of those; small
// products run on gonum's serial loops (no goroutines per call). Cholesky
// and Cholesky32 are then a blocked left-looking factorisation on those
// GEMMs (cholesky_blocked.go), and FastCholesky32 reports that the float32
// one is worth using as a preconditioner. On the generic path (other
// architectures, the purego tag) gonum's own routines run, 7-14x slower
// than OpenBLAS on matrix products.
package numeric
