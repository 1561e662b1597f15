//go:build !(amd64 || arm64) || purego

package sgemm

import "github.com/hierlearn/hierlearn/internal/numeric/cpupath"

// rowKernelFor returns nil: no assembly PackedRow kernel on this
// platform (PackedRow runs its Go loop where the micro-kernels exist).
func rowKernelFor(p cpupath.Path) rowKernel { return nil }
