//go:build !unix

package procstat

// CPUSeconds reports 0: this platform has no getrusage.
func CPUSeconds() float64 { return 0 }

// MaxRSSMB reports 0: this platform has no getrusage.
func MaxRSSMB() float64 { return 0 }
