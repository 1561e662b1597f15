//go:build unix

package procstat

import (
	"runtime"
	"syscall"
)

// CPUSeconds returns the CPU seconds (user and system) this process has
// used so far, all threads together; 0 where that is not available.
func CPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	s := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return s(ru.Utime) + s(ru.Stime)
}

// MaxRSSMB is this process's peak resident set size in MB, or 0 where the
// platform does not report it.
func MaxRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return float64(ru.Maxrss) / (1 << 20) // bytes on darwin
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux and the BSDs
}
