//go:build amd64 && !purego

package vec

// taps16AVX512 is Taps16 for n > 0 pixels and taps > 0 taps
// (taps16_amd64.s).
//
//go:noescape
func taps16AVX512(dst *float32, n int, bias, w *float32, offs *int, taps int, x *float32, step int)

// taps16AVX2 is taps16AVX512 on 8-lane vectors, two a pixel.
//
//go:noescape
func taps16AVX2(dst *float32, n int, bias, w *float32, offs *int, taps int, x *float32, step int)
