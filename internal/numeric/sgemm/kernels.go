package sgemm

import (
	"math"
	"unsafe"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
)

// packedKernel computes an 8×32 tile of C from packed A and B panels
// over k (see sgemmKernel8x32 in sgemm_amd64.s for the flags).
type packedKernel func(k int, a, b, c *float32, ldc int, bias *float32, flags int, add *float32)

// shiftKernel computes a tile of C with B read in place as shifted views
// (see sgemmShift8x32 in sgemm_amd64.s).
type shiftKernel func(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)

// shiftTile is a micro-kernel of Shifted for 8×w tiles; cost is its
// relative time per tile (w when it runs as fast as the widest).
type shiftTile struct {
	w, cost int
	kern    shiftKernel
}

// maxTileW bounds the width of a shiftTile.
const maxTileW = 48

// kernelSet holds one kernel path's micro-kernels: the 8×32 tile of
// Packed and the tiles of Shifted, widest first.
type kernelSet struct {
	packed8x32 packedKernel
	shift      []shiftTile
}

// colTile is a tile of Shifted's output columns: from c0, of kernel k
// (an index into kernelSet.shift).
type colTile struct{ c0, k int }

// colTiles splits columns [n0, n1) into tiles of the kernels ts (widest
// first): widest tiles while more than two of them remain, then the
// cheapest cover of the rest (63 columns with widths 48 and 32: 32+32,
// not 48+32). Only the last tile may reach past n1.
func colTiles(n0, n1 int, ts []shiftTile) []colTile {
	var tiles []colTile
	c0 := n0
	for n1-c0 > 2*ts[0].w {
		tiles = append(tiles, colTile{c0, 0})
		c0 += ts[0].w
	}
	// cost[x] is the cheapest cover of x columns, first[x] its first tile.
	var cost, first [2*maxTileW + 1]int
	for x := 1; x <= n1-c0; x++ {
		cost[x] = math.MaxInt
		for i, t := range ts {
			if c := t.cost + cost[max(0, x-t.w)]; c < cost[x] {
				cost[x], first[x] = c, i
			}
		}
	}
	for x := n1 - c0; x > 0; x -= ts[first[x]].w {
		tiles = append(tiles, colTile{c0, first[x]})
		c0 += ts[first[x]].w
	}
	return tiles
}

// kernels returns the micro-kernels of the active path (cpupath.Active),
// or nil on the generic path.
func kernels() *kernelSet { return kernelsFor(cpupath.Active()) }

// zeroOffset is the single tap offset of a packed B panel.
var zeroOffset = [1]int{0}

// at returns p advanced by i floats.
func at(p *float32, i int) *float32 { return (*float32)(unsafe.Add(unsafe.Pointer(p), 4*i)) }
