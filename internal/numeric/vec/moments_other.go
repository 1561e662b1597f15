//go:build !amd64 || purego

package vec

// useMoments is false: moments.go's loops run in plain Go here.
func useMoments() bool { return false }

func sumSqDevAVX2(x *float32, m float32, n int) float32 { panic("vec: no AVX2 on this platform") }

func sumDotDevAVX2(gy, x *float32, m float32, n int) (sg, sgx float32) {
	panic("vec: no AVX2 on this platform")
}

func affineAVX2(dst, src *float32, a, b float32, n int) { panic("vec: no AVX2 on this platform") }

func addAffineDevAVX2(dst, gy, x *float32, a, b, m, c float32, n int) {
	panic("vec: no AVX2 on this platform")
}

func addWherePositiveAVX2(dst, gy, x *float32, n int) { panic("vec: no AVX2 on this platform") }
