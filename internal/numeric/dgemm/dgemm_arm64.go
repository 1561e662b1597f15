//go:build arm64 && !purego

package dgemm

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

// dgemmKernel8x6 is the NEON micro-kernel (dgemm_arm64.s).
//
//go:noescape
func dgemmKernel8x6(k int, a, b, c *float64, ldc int)

// neonKernel's blocks are those of the amd64 kernels (A panels of 8×256
// float64s in L1, a 192×256 A block in L2), untuned: no arm64 machine
// has measured them yet.
var neonKernel = &kernel{mr: 8, nr: 6, kc: 256, mc: 192, nc: 3072, run: dgemmKernel8x6}

// kernelFor returns path p's micro-kernel, or nil for the generic path.
func kernelFor(p cpupath.Path) *kernel {
	if p == cpupath.NEON {
		return neonKernel
	}
	return nil
}
