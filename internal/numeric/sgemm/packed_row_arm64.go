//go:build arm64 && !purego

package sgemm

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

// sgemvPanels4 is PackedRow's NEON kernel (packed_row_arm64.s).
//
//go:noescape
func sgemvPanels4(panels, k int, x, b, out *float32)

// rowKernelFor returns path p's PackedRow kernel, or nil.
func rowKernelFor(p cpupath.Path) rowKernel {
	if p == cpupath.NEON {
		return sgemvPanels4
	}
	return nil
}
