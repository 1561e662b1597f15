//go:build unix

package crosscheck

import (
	"runtime"
	"syscall"
)

// maxRSSMB is this process's peak resident set size in MB, or 0 where the
// platform does not report it.
func maxRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return float64(ru.Maxrss) / (1 << 20) // bytes on darwin
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux and the BSDs
}
