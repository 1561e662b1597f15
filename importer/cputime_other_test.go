//go:build !unix

package importer

// processCPU is 0 where getrusage is not available.
func processCPU() float64 { return 0 }
