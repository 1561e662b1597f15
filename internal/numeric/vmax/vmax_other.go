//go:build !amd64 || purego

package vmax

const hasAVX2 = false

func maxAVX2(dst, a, b *float32, n int) { panic("vmax: no AVX2 on this platform") }
