//go:build !amd64 || purego

package sgemm

// tapDotKernels returns nil: TapDot runs plain Go loops here.
func tapDotKernels() *tapDotSet { return nil }
