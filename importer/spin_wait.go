package importer

import (
	"runtime"
	"time"
)

// spinWait paces a goroutine that polls for what other goroutines do
// (the pool's workers waiting for a section, a section's caller waiting
// for its parts, stepParts waiting for a step). Polling in a tight loop
// answers within nanoseconds; runtime.Gosched at every turn would take
// the scheduler's lock and wake other threads (measured: a fifth of the
// CPU time of a batch-1 CIFAR convolution on two threads). So pause
// yields only every 256 polls: to the goroutines of this processor
// (runtime.Gosched) at first, and once the wait has lasted yieldAfter,
// to the OS (sched_yield). runtime.Gosched never gives the OS thread
// back: on a loaded machine the goroutine being waited for may be on a
// thread the OS has descheduled, maybe in favour of this one, and then
// only giving the core up lets it finish.
//
// The zero spinWait is ready; it is not safe for concurrent use.
type spinWait struct {
	spins int
	since time.Time // when the first yield came, zero before
}

// yieldAfter is how long spinWait polls, yielding only to goroutines,
// before it yields its thread to the OS: several times the longest part
// of a section that should be waited for (an LSTM step at batch 8,
// hidden 256: about 30 us).
const yieldAfter = 200 * time.Microsecond

// pause is called after each poll that found nothing.
func (w *spinWait) pause() {
	w.spins++
	if w.spins&255 != 0 {
		return
	}
	if w.since.IsZero() {
		w.since = time.Now()
	} else if time.Since(w.since) > yieldAfter {
		osYield()
		return
	}
	runtime.Gosched()
}

// waited reports whether the wait has lasted about d (counted from the
// first yield, 256 polls in).
func (w *spinWait) waited(d time.Duration) bool {
	return !w.since.IsZero() && time.Since(w.since) >= d
}

// reset starts a new wait.
func (w *spinWait) reset() { *w = spinWait{} }
