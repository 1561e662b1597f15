//go:build amd64 && !purego

package sgemm

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

// tapDot4x6 is TapDot's AVX-512 micro-kernel: 4 rows of a, 6 windows,
// k a multiple of 16 (tapdot_amd64.s).
//
//go:noescape
func tapDot4x6(k int, a *float32, lda int, b *float32, offs *int, c *float32, ldc int)

// tapDot2x6 is TapDot's AVX2+FMA micro-kernel: 2 rows of a, 6 windows, k
// a multiple of 8 (tapdot_amd64.s).
//
//go:noescape
func tapDot2x6(k int, a *float32, lda int, b *float32, offs *int, c *float32, ldc int)

var (
	tapDotAVX512 = &tapDotSet{rows: 4, lanes: 16, kern: tapDot4x6}
	tapDotAVX2   = &tapDotSet{rows: 2, lanes: 8, kern: tapDot2x6}
)

// tapDotKernels returns the active path's TapDot kernel, nil on the
// generic path.
func tapDotKernels() *tapDotSet {
	switch cpupath.Active() {
	case cpupath.AVX512:
		return tapDotAVX512
	case cpupath.AVX2:
		return tapDotAVX2
	}
	return nil
}
