//go:build amd64 && !purego

package sgemm

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

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

// sgemmShift4x16 is the AVX2+FMA micro-kernel for rows 0-3 of an 8-row A
// panel and 16 columns of B (sgemm_avx2_amd64.s).
//
//go:noescape
func sgemmShift4x16(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)

// sgemmShift4x24 is sgemmShift4x16 for 24 columns: 12 accumulators, which
// measured 20% faster than the 8 of sgemmShift4x16.
//
//go:noescape
func sgemmShift4x24(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)

// sgemmNarrow4x8 is Narrow's AVX2+FMA kernel for 4·m4 rows
// (narrow_amd64.s).
//
//go:noescape
func sgemmNarrow4x8(m4, k int, a *float32, lda int, b, out *float32)

// narrowKernel is Narrow's kernel (the same on both paths).
var narrowKernel = sgemmNarrow4x8

var (
	avx512Kernels = &kernelSet{packed8x32: sgemmKernel8x32,
		shift: []shiftTile{{48, 48, sgemmShift8x48}, {32, 32, sgemmShift8x32}}}
	// The 16-column tile runs at about 80% of the others' speed.
	avx2Kernels = &kernelSet{packed8x32: avx2Packed8x32,
		shift: []shiftTile{{48, 48, avx2Shift8x48}, {24, 24, avx2Shift8x24}, {16, 20, avx2Shift8x16}}}
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

// avx2Shift8x16, avx2Shift8x24 and avx2Shift8x48 are sgemmShift8x32 on
// AVX2 for 16, 24 and 48 columns: rows 0-3 and 4-7 of the A panel, each
// by 4×16 or 4×24 tiles.
func avx2Shift8x16(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32) {
	avx2Tile(sgemmShift4x16, 16, 16, taps, offs, ch, a, b, ldb, c, ldc, bias, flags, add)
}

func avx2Shift8x24(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32) {
	avx2Tile(sgemmShift4x24, 24, 24, taps, offs, ch, a, b, ldb, c, ldc, bias, flags, add)
}

func avx2Shift8x48(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32) {
	avx2Tile(sgemmShift4x24, 24, 48, taps, offs, ch, a, b, ldb, c, ldc, bias, flags, add)
}

// avx2Packed8x32 is sgemmKernel8x32 on AVX2: a packed B panel is B read
// in place with one tap and row stride PanelN, by four 4×16 tiles.
func avx2Packed8x32(k int, a, b, c *float32, ldc int, bias *float32, flags int, add *float32) {
	avx2Tile(sgemmShift4x16, 16, 32, 1, &zeroOffset[0], k, a, b, PanelN, c, ldc, bias, flags, add)
}

// avx2Tile computes an 8×w tile of C with the 4×step kernel kern.
// (Blocking k so that B stays in L1 across the four tiles measured no
// faster.)
func avx2Tile(kern shiftKernel, step, w int, taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32) {
	for r := 0; r < PanelM; r += 4 {
		for j := 0; j < w; j += step {
			rowPart(kern, r, j, taps, offs, ch, a, b, ldb, c, ldc, bias, flags, add)
		}
	}
}

// rowPart runs kern on the part of an 8-row tile that starts at row r and
// column j: A, bias, C and add advanced to it.
func rowPart(kern shiftKernel, r, j int, taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32) {
	if add != nil {
		add = at(add, r*ldc+j)
	}
	if bias != nil {
		bias = at(bias, r)
	}
	kern(taps, offs, ch, at(a, r), at(b, j), ldb, at(c, r*ldc+j), ldc, bias, flags, add)
}
