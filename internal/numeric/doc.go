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
// OpenBLAS via gonum's netlib cgo bindings (Debian: libopenblas-dev); on
// this project's 2-core reference machine that makes GEMM 7-14x faster.
// BLASName reports which one is active.
package numeric
