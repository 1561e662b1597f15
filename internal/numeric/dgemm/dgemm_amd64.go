//go:build amd64 && !purego

package dgemm

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

// dgemmKernel8x24 is the AVX-512 micro-kernel (dgemm_amd64.s).
//
//go:noescape
func dgemmKernel8x24(k int, a, b, c *float64, ldc int)

// dgemmKernel4x12 is the AVX2+FMA micro-kernel (dgemm_amd64.s).
//
//go:noescape
func dgemmKernel4x12(k int, a, b, c *float64, ldc int)

var (
	avx512Kernel = &kernel{mr: 8, nr: 24, kc: 256, mc: 192, nc: 3072, run: dgemmKernel8x24}
	avx2Kernel   = &kernel{mr: 4, nr: 12, kc: 256, mc: 192, nc: 3072, run: dgemmKernel4x12}
)

// kernelFor returns path p's micro-kernel, or nil for the generic path.
func kernelFor(p cpupath.Path) *kernel {
	switch p {
	case cpupath.AVX512:
		return avx512Kernel
	case cpupath.AVX2:
		return avx2Kernel
	}
	return nil
}
