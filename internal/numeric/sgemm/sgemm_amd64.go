//go:build amd64 && !purego

package sgemm

import (
	"unsafe"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
)

// sgemmKernel8x32 is the AVX-512 micro-kernel (sgemm_amd64.s).
//
//go:noescape
func sgemmKernel8x32(k int, a, b, c *float32, ldc int, bias *float32, flags int, add *float32)

// sgemmShift8x32 is the AVX-512 micro-kernel of Shifted (sgemm_amd64.s).
//
//go:noescape
func sgemmShift8x32(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)

// sgemmShift8x48 is sgemmShift8x32 for 48 columns (sgemm_amd64.s).
//
//go:noescape
func sgemmShift8x48(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)

// sgemmShift4x16 is the AVX2+FMA micro-kernel: rows 0-3 of an 8-row A
// panel times 16 columns of B (sgemm_avx2_amd64.s).
//
//go:noescape
func sgemmShift4x16(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)

// sgemmShift4x24 is sgemmShift4x16 for 24 columns (sgemm_avx2_amd64.s).
//
//go:noescape
func sgemmShift4x24(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)

var (
	avx512Kernels = &kernelSet{packed8x32: sgemmKernel8x32, shift8x32: sgemmShift8x32, shift8x48: sgemmShift8x48}
	avx2Kernels   = &kernelSet{packed8x32: avx2Packed8x32, shift8x32: avx2Shift8x32, shift8x48: avx2Shift8x48}
)

// kernelsFor returns path p's micro-kernels, or nil for the generic path.
func kernelsFor(p cpupath.Path) *kernelSet {
	switch p {
	case cpupath.AVX512:
		return avx512Kernels
	case cpupath.AVX2:
		return avx2Kernels
	}
	return nil
}

// zeroOffset is the single tap offset of a packed B panel.
var zeroOffset = [1]int{0}

// avx2Packed8x32 is sgemmKernel8x32 on AVX2: a packed B panel is B read
// in place with one tap and row stride PanelN.
func avx2Packed8x32(k int, a, b, c *float32, ldc int, bias *float32, flags int, add *float32) {
	avx2Shift8x32(1, &zeroOffset[0], k, a, b, PanelN, c, ldc, bias, flags, add)
}

// avx2Shift8x32 is sgemmShift8x32 on AVX2: four 4x16 tiles.
func avx2Shift8x32(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32) {
	avx2Tile(sgemmShift4x16, 16, 32, taps, offs, ch, a, b, ldb, c, ldc, bias, flags, add)
}

// avx2Shift8x48 is sgemmShift8x48 on AVX2: four 4x24 tiles.
func avx2Shift8x48(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32) {
	avx2Tile(sgemmShift4x24, 24, 48, taps, offs, ch, a, b, ldb, c, ldc, bias, flags, add)
}

// avx2Tile computes an 8×w tile of C with the 4×step kernel kern: rows
// 0-3 and 4-7 of the A panel (4 floats apart in each k-major row), each
// over the columns in steps of step.
func avx2Tile(kern shiftKernel, step, w int, taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32) {
	for r := 0; r < PanelM; r += 4 {
		ar, cr, addr, br := at(a, r), at(c, r*ldc), add, bias
		if add != nil {
			addr = at(add, r*ldc)
		}
		if bias != nil {
			br = at(bias, r)
		}
		for j := 0; j < w; j += step {
			addj := addr
			if addr != nil {
				addj = at(addr, j)
			}
			kern(taps, offs, ch, ar, at(b, j), ldb, at(cr, j), ldc, br, flags, addj)
		}
	}
}

// at returns p advanced by i floats.
func at(p *float32, i int) *float32 { return (*float32)(unsafe.Add(unsafe.Pointer(p), 4*i)) }
