//go:build !arm64 || purego

package vec

// useNEON is false: no NEON loops on this platform.
func useNEON() bool { return false }

func axpyNEON(dst, x *float32, a float32, n int) { panic("vec: no NEON on this platform") }

func tapsNEON(dst *float32, n int, bias float32, w *float32, offs *int, taps int, x *float32) {
	panic("vec: no NEON on this platform")
}
