//go:build amd64 && !purego

package vec

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

// useAVX512 reports whether the AVX-512 loops run: on the avx512 kernel
// path (cpupath.Active).
func useAVX512() bool { return cpupath.Active() == cpupath.AVX512 }

// tapsAVX512 is Taps for n > 0 outputs and taps > 0 taps, the last
// n%16 outputs by masked loads and stores (taps_amd64.s).
//
//go:noescape
func tapsAVX512(dst *float32, n int, bias float32, w *float32, offs *int, taps int, x *float32)

// tapsAVX2 is Taps for n outputs, n a multiple of 8, and taps > 0 taps
// (taps_amd64.s).
//
//go:noescape
func tapsAVX2(dst *float32, n int, bias float32, w *float32, offs *int, taps int, x *float32)
