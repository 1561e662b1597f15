//go:build amd64 && !purego

package vec

// reluAVX2 is ReLU for i < n, n a multiple of 8 (relu_amd64.s).
//
//go:noescape
func reluAVX2(dst, src *float32, n int)

// scaleAVX2 is Scale for i < n, n a multiple of 8 (relu_amd64.s).
//
//go:noescape
func scaleAVX2(dst, src *float32, s float32, n int)

// sumAVX2 is the sum of x[:n], n a multiple of 32 (relu_amd64.s).
//
//go:noescape
func sumAVX2(x *float32, n int) float32
