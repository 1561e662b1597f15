//go:build !openblas

package numeric

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
	"github.com/hierlearn/hierlearn/internal/numeric/dgemm"
)

func init() {
	blas64.Use(fast64{})
	blas32.Use(fast32{})
}

// BLASName names the active BLAS implementation.
func BLASName() string {
	if dgemm.Available() {
		return "gonum (pure Go) with Go-assembly GEMM (" + cpupath.Active().String() + ")"
	}
	return "gonum (pure Go)"
}

// OpenBLAS reports whether OpenBLAS is linked in.
const OpenBLAS = false

// SetBLASThreads is a no-op for the pure-Go BLAS, which sizes its own
// parallelism from GOMAXPROCS.
func SetBLASThreads(n int) {}
