package importer

import "sync/atomic"

// stepParts shares the parts of a sequence of dependent steps (an LSTM's
// time steps: step t+1 reads what every part of step t wrote) among the
// goroutines of one parallel section, without a section per step. Each
// goroutine walks the steps; at each it takes its own part if no other
// goroutine has, then any part still untaken, then waits until every
// part of the step is done. So when all goroutines run, each keeps its
// part (and its data in its core's cache) from step to step; when one is
// descheduled (a loaded machine) the others take its parts rather than
// wait for it, and a late goroutine skips the steps done without it.
type stepParts struct {
	parts int
	taken []atomic.Int32 // [step*parts+part]: 1 once a goroutine took it
	done  atomic.Int64   // parts done, all steps together
	abort atomic.Bool    // a part panicked
}

// newStepParts returns a stepParts for steps of parts parts.
func newStepParts(steps, parts int) *stepParts {
	return &stepParts{parts: parts, taken: make([]atomic.Int32, steps*parts)}
}

// run walks the steps as described above, own being the calling
// goroutine's part, and calls fn(step, part) for each part it takes. If
// fn panics, the other goroutines stop at their next wait.
func (sp *stepParts) run(own int, fn func(step, part int)) {
	defer func() {
		if r := recover(); r != nil {
			sp.abort.Store(true)
			panic(r)
		}
	}()
	steps := len(sp.taken) / sp.parts
	for t := 0; t < steps; t++ {
		for i := 0; i < sp.parts; i++ {
			p := (own + i) % sp.parts
			if sp.taken[t*sp.parts+p].CompareAndSwap(0, 1) {
				fn(t, p)
				sp.done.Add(1)
			}
		}
		want := int64(sp.parts * (t + 1))
		var w spinWait
		for sp.done.Load() < want {
			if sp.abort.Load() {
				return
			}
			// A part that takes much longer than any should is held by a
			// goroutine whose thread the OS has descheduled: spinWait
			// then gives the core up.
			w.pause()
		}
	}
}
