//go:build !unix

package crosscheck

// maxRSSMB reports 0: this platform has no getrusage.
func maxRSSMB() float64 { return 0 }
