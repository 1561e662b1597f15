//go:build !amd64 || purego

package vec

func taps16AVX512(dst *float32, n int, bias, w *float32, offs *int, taps int, x *float32, step int) {
	panic("vec: no AVX-512 on this platform")
}

func taps16AVX2(dst *float32, n int, bias, w *float32, offs *int, taps int, x *float32, step int) {
	panic("vec: no AVX2 on this platform")
}
