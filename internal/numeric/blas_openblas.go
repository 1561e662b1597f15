//go:build openblas

package numeric

// #cgo LDFLAGS: -lopenblas
// extern void openblas_set_num_threads(int);
// extern char* openblas_get_config(void);
import "C"

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

func init() {
	blas64.Use(netlib.Implementation{})
	blas32.Use(netlib.Implementation{})
}

// BLASName names the active BLAS implementation.
func BLASName() string { return "openblas (" + C.GoString(C.openblas_get_config()) + ")" }

// OpenBLAS reports whether OpenBLAS is linked in.
const OpenBLAS = true

// SetBLASThreads caps OpenBLAS's worker threads.
func SetBLASThreads(n int) { C.openblas_set_num_threads(C.int(n)) }
