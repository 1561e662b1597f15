//go:build amd64 && !purego

package sgemm

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

// sgemvPanels16 is PackedRow's AVX-512 kernel (packed_row_amd64.s).
//
//go:noescape
func sgemvPanels16(panels, k int, x, b, out *float32)

// sgemvPanels8 is PackedRow's AVX2+FMA kernel (packed_row_amd64.s).
//
//go:noescape
func sgemvPanels8(panels, k int, x, b, out *float32)

// rowKernelFor returns path p's PackedRow kernel, or nil.
func rowKernelFor(p cpupath.Path) rowKernel {
	switch p {
	case cpupath.AVX512:
		return sgemvPanels16
	case cpupath.AVX2:
		return sgemvPanels8
	}
	return nil
}
