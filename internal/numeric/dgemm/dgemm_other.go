//go:build !(amd64 || arm64) || purego

package dgemm

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

// kernelFor returns nil: no micro-kernels on this platform (callers keep
// gonum's Dgemm).
func kernelFor(p cpupath.Path) *kernel { return nil }
