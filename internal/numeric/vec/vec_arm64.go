//go:build arm64 && !purego

package vec

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

// useNEON reports whether the NEON loops run: on the neon kernel path
// (cpupath.Active).
func useNEON() bool { return cpupath.Active() == cpupath.NEON }

// axpyNEON sets dst[i] += a·x[i] (fused) for i < n, n a multiple of 4
// (vec_arm64.s).
//
//go:noescape
func axpyNEON(dst, x *float32, a float32, n int)

// tapsNEON is Taps for n outputs, n a multiple of 4, and taps > 0 taps
// (vec_arm64.s).
//
//go:noescape
func tapsNEON(dst *float32, n int, bias float32, w *float32, offs *int, taps int, x *float32)
