//go:build !amd64 || purego

package vec

const hasAVX2 = false

func maxAVX2(dst, a, b *float32, n int) { panic("vec: no AVX2 on this platform") }

func addAVX2(dst, a, b *float32, n int, relu int) { panic("vec: no AVX2 on this platform") }
