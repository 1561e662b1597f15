package sgemm

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

// packedKernel computes an 8×32 tile of C from packed A and B panels
// over k (see sgemmKernel8x32 in sgemm_amd64.s for the flags).
type packedKernel func(k int, a, b, c *float32, ldc int, bias *float32, flags int, add *float32)

// shiftKernel computes a tile of C with B read in place as shifted views
// (see sgemmShift8x32 in sgemm_amd64.s).
type shiftKernel func(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)

// kernelSet holds one kernel path's micro-kernels: the 8×32 tile of
// Packed and the 8×32 and 8×48 tiles of Shifted.
type kernelSet struct {
	packed8x32           packedKernel
	shift8x32, shift8x48 shiftKernel
}

// kernels returns the micro-kernels of the active path (cpupath.Active),
// or nil on the generic path.
func kernels() *kernelSet { return kernelsFor(cpupath.Active()) }
