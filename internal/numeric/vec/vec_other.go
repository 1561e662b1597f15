//go:build !amd64 || purego

package vec

// useAVX2 is false: no AVX2 loops on this platform.
func useAVX2() bool { return false }

func maxAVX2(dst, a, b *float32, n int) { panic("vec: no AVX2 on this platform") }

func addAVX2(dst, a, b *float32, n int, relu int) { panic("vec: no AVX2 on this platform") }

func max3AVX2(dst, a, b, c *float32, n int) { panic("vec: no AVX2 on this platform") }

func window3s2AVX2(dst, src *float32, n int) { panic("vec: no AVX2 on this platform") }

func deinterleaveAVX2(even, odd, src *float32, n int) { panic("vec: no AVX2 on this platform") }

func sigmoidAVX2(dst, src *float32, n int, silu int) { panic("vec: no AVX2 on this platform") }

func geluErfAVX2(dst, src *float32, n int) { panic("vec: no AVX2 on this platform") }
