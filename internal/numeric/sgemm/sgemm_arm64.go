//go:build arm64 && !purego

package sgemm

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

// sgemmShift8x12 is the NEON micro-kernel of Shifted for an 8-row A panel
// and 12 columns of B, with sgemmShift8x32's arguments (sgemm_arm64.s).
//
//go:noescape
func sgemmShift8x12(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)

// sgemmShift8x8 is sgemmShift8x12 for 8 columns (sgemm_arm64.s).
//
//go:noescape
func sgemmShift8x8(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)

// sgemmNarrow4x8 is Narrow's NEON kernel for 4·m4 rows (narrow_arm64.s).
//
//go:noescape
func sgemmNarrow4x8(m4, k int, a *float32, lda int, b, out *float32)

// narrowKernel is Narrow's kernel.
var narrowKernel = sgemmNarrow4x8

// neonKernels: Shifted's tiles are 12 and 8 columns wide (the 8x8 tile
// does two thirds of the 8x12 one's work with four fifths of its loads:
// cost 9 per 8 columns, a guess no arm64 machine has measured yet).
var neonKernels = &kernelSet{packed8x32: neonPacked8x32,
	shift: []shiftTile{{12, 12, sgemmShift8x12}, {8, 9, sgemmShift8x8}}}

// kernelsFor returns path p's micro-kernels, or nil for the generic path.
func kernelsFor(p cpupath.Path) *kernelSet {
	if p == cpupath.NEON {
		return neonKernels
	}
	return nil
}

// neonPacked8x32 is Packed's 8×32 tile on NEON: a packed B panel is B read
// in place with one tap and row stride PanelN, as 12+12+8 columns.
func neonPacked8x32(k int, a, b, c *float32, ldc int, bias *float32, flags int, add *float32) {
	off := &zeroOffset[0]
	sgemmShift8x12(1, off, k, a, b, PanelN, c, ldc, bias, flags, add)
	sgemmShift8x12(1, off, k, a, at(b, 12), PanelN, at(c, 12), ldc, bias, flags, at(add, 12))
	sgemmShift8x8(1, off, k, a, at(b, 24), PanelN, at(c, 24), ldc, bias, flags, at(add, 24))
}
