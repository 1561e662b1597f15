package importer

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hierlearn/hierlearn/internal/procstat"
)

// BenchmarkParallelSections times two-way sections on the pool, back to
// back as a Run issues them: empty ones (the fixed cost of a section)
// and ones of 20 us of work, 10 us per part (ns/op above 10,000 is the
// cost of splitting). cpu-ns/op is the process's CPU time per section,
// spinning included (about 2x ns/op while both threads spin or work).
func BenchmarkParallelSections(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, c := range []struct {
		name string
		part time.Duration
	}{{"empty", 0}, {"20us", 10 * time.Microsecond}} {
		b.Run(c.name, func(b *testing.B) {
			var sink atomic.Int64
			cpu0 := procstat.CPUSeconds()
			for i := 0; i < b.N; i++ {
				parallel(2, 2, true, func(_, lo, hi int) {
					for t0 := time.Now(); time.Since(t0) < c.part; {
					}
					sink.Add(int64(hi - lo))
				})
			}
			b.ReportMetric((procstat.CPUSeconds()-cpu0)*1e9/float64(b.N), "cpu-ns/op")
		})
	}
}

// TestSpinWaitWaited: a wait counts from its first yield, 256 polls in,
// and reset starts it again.
func TestSpinWaitWaited(t *testing.T) {
	var w spinWait
	for i := 0; i < 255; i++ {
		w.pause()
	}
	if w.waited(0) {
		t.Fatal("waited before the first yield")
	}
	w.pause()
	if !w.waited(0) || w.waited(time.Hour) {
		t.Fatal("waited(0) false or waited(1h) true after the first yield")
	}
	w.reset()
	if w.waited(0) {
		t.Fatal("waited after reset")
	}
}
