//go:build !amd64 || purego

package sgemm

func sgemmKernel8x32(k int, a, b, c *float32, ldc int, bias *float32, flags int, add *float32) {
	panic("sgemm: no packed SGEMM kernel on this platform")
}

const hasKernel = false

func sgemmShift8x32(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32) {
	panic("sgemm: no packed SGEMM kernel on this platform")
}

func sgemmShift8x48(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32) {
	panic("sgemm: no packed SGEMM kernel on this platform")
}
