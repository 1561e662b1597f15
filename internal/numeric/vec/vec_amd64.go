//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

var hasAVX2 = cpu.X86.HasAVX2

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
