//go:build unix

package procstat

import "testing"

// TestCPUSecondsCountsWork checks that a busy loop shows up as CPU time
// and that the peak resident set size is reported.
func TestCPUSecondsCountsWork(t *testing.T) {
	c0 := CPUSeconds()
	x := 0.0
	for i := 0; i < 200_000_000; i++ {
		x += float64(i & 7)
	}
	used := CPUSeconds() - c0
	if x == 0 || used < 0.01 {
		t.Fatalf("a busy loop used %.4f CPU-s (x=%g); want at least 0.01", used, x)
	}
	if m := MaxRSSMB(); m <= 0 {
		t.Fatalf("MaxRSSMB = %g, want > 0", m)
	}
}
