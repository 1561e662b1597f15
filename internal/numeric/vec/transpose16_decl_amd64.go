//go:build amd64 && !purego

package vec

// transpose16AVX512 is Transpose16 for 1 <= r, c <= 16
// (transpose16_amd64.s).
//
//go:noescape
func transpose16AVX512(dst *float32, ldd int, src *float32, lds int, r, c int)
