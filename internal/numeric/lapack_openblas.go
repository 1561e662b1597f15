//go:build openblas

package numeric

// Debian's OpenBLAS ships LAPACK but no LAPACKE, so the Fortran symbols are
// called directly. Fortran passes every argument by reference and appends
// the lengths of character arguments (size_t, gfortran's convention) after
// the others; the wrappers below do both.

// #cgo LDFLAGS: -lopenblas
// #include <stddef.h>
// extern void dpotrf_(const char*, const int*, double*, const int*, int*, size_t);
// extern void dpotrs_(const char*, const int*, const int*, const double*, const int*, double*, const int*, int*, size_t);
// extern void spotrf_(const char*, const int*, float*, const int*, int*, size_t);
// extern void spotrs_(const char*, const int*, const int*, const float*, const int*, float*, const int*, int*, size_t);
// extern void dsyevd_(const char*, const char*, const int*, double*, const int*, double*, double*, const int*, int*, const int*, int*, size_t, size_t);
// static int hl_dpotrf(char uplo, int n, double* a, int lda) {
//   int info = 0; dpotrf_(&uplo, &n, a, &lda, &info, 1); return info;
// }
// static int hl_dpotrs(char uplo, int n, int nrhs, const double* a, int lda, double* b) {
//   int info = 0; dpotrs_(&uplo, &n, &nrhs, a, &lda, b, &n, &info, 1); return info;
// }
// static int hl_spotrf(char uplo, int n, float* a, int lda) {
//   int info = 0; spotrf_(&uplo, &n, a, &lda, &info, 1); return info;
// }
// static int hl_spotrs(char uplo, int n, int nrhs, const float* a, int lda, float* b) {
//   int info = 0; spotrs_(&uplo, &n, &nrhs, a, &lda, b, &n, &info, 1); return info;
// }
// static int hl_dsyevd(int n, double* a, double* w, double* work, int lwork, int* iwork, int liwork) {
//   int info = 0; char jobz = 'V', uplo = 'U';
//   dsyevd_(&jobz, &uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, &info, 1, 1); return info;
// }
import "C"

import "fmt"

// LAPACKName names the LAPACK implementation in use.
func LAPACKName() string { return "openblas (Fortran dpotrf_/dpotrs_/spotrf_/spotrs_/dsyevd_)" }

// A row-major n×n matrix read as column-major is its transpose, so the
// row-major lower triangle is LAPACK's upper one: every call passes 'U'.

// FastCholesky32 reports whether Cholesky32 runs at about twice the
// float64 rate (OpenBLAS's spotrf does), which makes it worth using as a
// preconditioner for float64 solves.
func FastCholesky32() bool { return true }

func cholesky(n int, a []float64, lda int) error {
	if info := C.hl_dpotrf('U', C.int(n), (*C.double)(&a[0]), C.int(lda)); info != 0 {
		return cholError(int(info))
	}
	return nil
}

func cholSolve(n int, a []float64, lda, nrhs int, b []float64) error {
	// LAPACK wants B column-major (n×nrhs); row-major n×nrhs is its
	// transpose, identical when nrhs == 1.
	bt := b
	if nrhs > 1 {
		bt = make([]float64, len(b))
		transpose(n, nrhs, b, bt)
	}
	if info := C.hl_dpotrs('U', C.int(n), C.int(nrhs), (*C.double)(&a[0]), C.int(lda), (*C.double)(&bt[0])); info != 0 {
		return fmt.Errorf("numeric: dpotrs info %d", int(info))
	}
	if nrhs > 1 {
		transpose(nrhs, n, bt, b)
	}
	return nil
}

func cholesky32(n int, a []float32, lda int) error {
	if info := C.hl_spotrf('U', C.int(n), (*C.float)(&a[0]), C.int(lda)); info != 0 {
		return cholError(int(info))
	}
	return nil
}

func cholSolve32(n int, a []float32, lda, nrhs int, b []float32) error {
	bt := b
	if nrhs > 1 {
		bt = make([]float32, len(b))
		transpose32(n, nrhs, b, bt)
	}
	if info := C.hl_spotrs('U', C.int(n), C.int(nrhs), (*C.float)(&a[0]), C.int(lda), (*C.float)(&bt[0])); info != 0 {
		return fmt.Errorf("numeric: spotrs info %d", int(info))
	}
	if nrhs > 1 {
		transpose32(nrhs, n, bt, b)
	}
	return nil
}

func symEig(n int, a, w []float64) error {
	lwork := 1 + 6*n + 2*n*n
	liwork := 3 + 5*n
	work := make([]float64, lwork)
	iwork := make([]C.int, liwork)
	if info := C.hl_dsyevd(C.int(n), (*C.double)(&a[0]), (*C.double)(&w[0]),
		(*C.double)(&work[0]), C.int(lwork), &iwork[0], C.int(liwork)); info != 0 {
		return fmt.Errorf("numeric: dsyevd did not converge (info %d)", int(info))
	}
	// Column-major eigenvectors are row-major rows: transpose so that
	// column j holds eigenvector j, as documented.
	transposeSquare(n, a)
	return nil
}
