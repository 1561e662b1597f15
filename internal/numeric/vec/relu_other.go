//go:build !amd64 || purego

package vec

func reluAVX2(dst, src *float32, n int) { panic("vec: no AVX2 on this platform") }

func scaleAVX2(dst, src *float32, s float32, n int) { panic("vec: no AVX2 on this platform") }

func sumAVX2(x *float32, n int) float32 { panic("vec: no AVX2 on this platform") }
