//go:build amd64 && !purego

package vmax

import "golang.org/x/sys/cpu"

var hasAVX2 = cpu.X86.HasAVX2

// maxAVX2 sets dst[i] = max(a[i], b[i]) for i < n, n a multiple of 8
// (vmax_amd64.s).
//
//go:noescape
func maxAVX2(dst, a, b *float32, n int)
