//go:build !(amd64 || arm64) || purego

package sgemm

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

// kernelsFor returns nil: no micro-kernels on this platform (callers use
// BLAS).
func kernelsFor(p cpupath.Path) *kernelSet { return nil }

// narrowKernel is never called here (Narrow checks kernels first).
var narrowKernel func(m4, k int, a *float32, lda int, b, out *float32)
