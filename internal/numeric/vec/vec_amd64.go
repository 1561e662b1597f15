//go:build amd64 && !purego

package vec

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

// useAVX2 reports whether the AVX2 loops run: on the avx2 and avx512
// kernel paths (cpupath.Active).
func useAVX2() bool { p := cpupath.Active(); return p == cpupath.AVX2 || p == cpupath.AVX512 }

// maxAVX2 sets dst[i] = max(a[i], b[i]) for i < n, n a multiple of 8
// (vec_amd64.s).
//
//go:noescape
func maxAVX2(dst, a, b *float32, n int)

// addAVX2 sets dst[i] = a[i] + b[i], then ReLU if relu != 0, for i < n, n
// a multiple of 8 (vec_amd64.s).
//
//go:noescape
func addAVX2(dst, a, b *float32, n int, relu int)

// max3AVX2 sets dst[i] = max(a[i], b[i], c[i]) for i < n, n a multiple
// of 8 (vec_amd64.s).
//
//go:noescape
func max3AVX2(dst, a, b, c *float32, n int)

// window3s2AVX2 sets dst[i] = max(src[2i], src[2i+1], src[2i+2]) for
// i < n, n a multiple of 8, reading src[:2n+2] (vec_amd64.s).
//
//go:noescape
func window3s2AVX2(dst, src *float32, n int)

// deinterleaveAVX2 sets even[i] = src[2i], odd[i] = src[2i+1] for i < n,
// n a multiple of 8 (vec_amd64.s).
//
//go:noescape
func deinterleaveAVX2(even, odd, src *float32, n int)

// sigmoidAVX2 sets dst[i] = 1/(1+e^-src[i]) for i < n, n a multiple of 8,
// times src[i] when silu is 1, or e^-|src[i]| when silu is 2
// (sigmoid_amd64.s).
//
//go:noescape
func sigmoidAVX2(dst, src *float32, n int, silu int)

// geluErfAVX2 sets dst[i] = x/2·(1 + erf(x/√2)) for x = src[i], i < n, n
// a multiple of 8 (gelu_amd64.s).
//
//go:noescape
func geluErfAVX2(dst, src *float32, n int)
