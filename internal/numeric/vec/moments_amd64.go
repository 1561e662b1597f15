//go:build amd64 && !purego

package vec

// useMoments reports whether the AVX2 loops of moments.go run: on the
// avx2 and avx512 kernel paths.
func useMoments() bool { return useAVX2() }

// sumSqDevAVX2 is SumSquaredDeviation of x[:n], n a multiple of 32
// (moments_amd64.s).
//
//go:noescape
func sumSqDevAVX2(x *float32, m float32, n int) float32

// sumDotDevAVX2 is SumAndDotDeviation of g[:n] and x[:n], n a multiple
// of 16 (moments_amd64.s).
//
//go:noescape
func sumDotDevAVX2(gy, x *float32, m float32, n int) (sg, sgx float32)

// affineAVX2 is Affine for i < n, n a multiple of 8 (moments_amd64.s).
//
//go:noescape
func affineAVX2(dst, src *float32, a, b float32, n int)

// addAffineDevAVX2 is AddAffineDeviation for i < n, n a multiple of 8
// (moments_amd64.s).
//
//go:noescape
func addAffineDevAVX2(dst, gy, x *float32, a, b, m, c float32, n int)

// addWherePositiveAVX2 is AddWherePositive for i < n, n a multiple of 8
// (moments_amd64.s).
//
//go:noescape
func addWherePositiveAVX2(dst, gy, x *float32, n int)
