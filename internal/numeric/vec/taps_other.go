//go:build !amd64 || purego

package vec

// useAVX512 is false: no AVX-512 loops on this platform.
func useAVX512() bool { return false }

func tapsAVX512(dst *float32, n int, bias float32, w *float32, offs *int, taps int, x *float32) {
	panic("vec: no AVX-512 on this platform")
}

func tapsAVX2(dst *float32, n int, bias float32, w *float32, offs *int, taps int, x *float32) {
	panic("vec: no AVX2 on this platform")
}
