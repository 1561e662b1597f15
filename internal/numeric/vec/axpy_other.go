//go:build !amd64 || purego

package vec

func axpyAVX2(dst, x *float32, a float32, n int) { panic("vec: no AVX2 on this platform") }

func hardSigmoidAVX2(dst, src *float32, alpha, beta float32, n int, swish int) {
	panic("vec: no AVX2 on this platform")
}

func mulAVX2(dst, a, b *float32, n int) { panic("vec: no AVX2 on this platform") }
