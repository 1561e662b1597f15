//go:build !amd64 || purego

package vec

func transpose16AVX512(dst *float32, ldd int, src *float32, lds int, r, c int) {
	panic("vec: no AVX-512 on this platform")
}
