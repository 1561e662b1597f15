package sgemm

import (
	"fmt"
	"testing"
)

// TestColTiles: the tiles cover [n0, n1) in order, only the last reaches
// past n1 and by less than PanelN (ShiftedSpan's margin), on each path's
// widths (neon's as in sgemm_arm64.go); with the AVX-512 widths they are
// the tiles Shifted used before the cost model (48 wide, the rest by the
// fewest 32- and 48-wide tiles).
func TestColTiles(t *testing.T) {
	noop := func(int, *int, int, *float32, *float32, int, *float32, int, *float32, int, *float32) {}
	avx512 := []shiftTile{{48, 48, noop}, {32, 32, noop}}
	avx2 := []shiftTile{{48, 48, noop}, {24, 24, noop}, {16, 20, noop}}
	neon := []shiftTile{{12, 12, noop}, {8, 9, noop}}
	// The rule of the AVX-512 path before the cost model.
	oldRule := func(n0, n1 int) (ws []int) {
		for c0 := n0; c0 < n1; {
			w := 48
			if r := n1 - c0; r <= PanelN || (r > 48 && r <= 2*PanelN) {
				w = PanelN
			}
			ws = append(ws, w)
			c0 += w
		}
		return ws
	}
	for _, tc := range []struct {
		name string
		ts   []shiftTile
	}{{"avx512", avx512}, {"avx2", avx2}, {"neon", neon}} {
		for n := 1; n <= 400; n++ {
			n0 := 32 * (n % 3)
			n1 := n0 + n
			tiles := colTiles(n0, n1, tc.ts)
			var ws []int
			c0 := n0
			for i, tl := range tiles {
				w := tc.ts[tl.k].w
				if tl.c0 != c0 || (i < len(tiles)-1 && c0+w > n1) {
					t.Fatalf("%s n=%d: tiles %v do not cover [%d, %d) in order", tc.name, n, tiles, n0, n1)
				}
				ws = append(ws, w)
				c0 += w
			}
			if c0 < n1 || c0-n1 >= PanelN {
				t.Fatalf("%s n=%d: tiles %v end at %d, for n1 = %d", tc.name, n, ws, c0, n1)
			}
			if tc.name == "avx512" && fmt.Sprint(ws) != fmt.Sprint(oldRule(n0, n1)) {
				t.Fatalf("n=%d: tiles %v, before %v", n, ws, oldRule(n0, n1))
			}
		}
	}
	// The 7x7 layers of resnet18 (63 columns) on AVX2: 4×24 tiles and one
	// 4×16, not 32+32 (four 4×16s).
	var ws []int
	for _, tl := range colTiles(0, 63, avx2) {
		ws = append(ws, avx2[tl.k].w)
	}
	if fmt.Sprint(ws) != "[48 16]" {
		t.Errorf("63 columns on avx2: %v", ws)
	}
}
