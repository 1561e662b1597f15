//go:build amd64 && !purego

package sgemm

import "golang.org/x/sys/cpu"

// sgemmKernel8x32 is the AVX-512 micro-kernel (sgemm_amd64.s).
//
//go:noescape
func sgemmKernel8x32(k int, a, b, c *float32, ldc int, bias *float32, flags int, add *float32)

var hasKernel = cpu.X86.HasAVX512F

// sgemmShift8x32 is the micro-kernel of Shifted (sgemm_amd64.s).
//
//go:noescape
func sgemmShift8x32(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)

// sgemmShift8x48 is sgemmShift8x32 for 48 columns (sgemm_amd64.s).
//
//go:noescape
func sgemmShift8x48(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)
