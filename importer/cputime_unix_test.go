//go:build unix

package importer

import "syscall"

// processCPU returns the CPU seconds this process has used so far, all
// threads together (benchmarks report CPU time per run: on a shared
// machine wall-clock time says little).
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	s := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return s(ru.Utime) + s(ru.Stime)
}
