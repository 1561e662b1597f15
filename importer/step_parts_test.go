package importer

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestStepPartsOrder: every part of every step runs exactly once, and no
// part of a step starts before all parts of the step before are done,
// with parts shared by the pool or run inline (one worker), and with one
// goroutine starting late (the others take its parts) and stalling in a
// part now and then (the others wait).
func TestStepPartsOrder(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	defer func(v int) { numCPU = v }(numCPU)
	numCPU = 4
	const steps = 200
	for _, parts := range []int{1, 2, 3, 4} {
		for _, workers := range []int{1, parts} {
			for _, stall := range []bool{false, true} {
				t.Run(fmt.Sprintf("parts%d_workers%d_stall%v", parts, workers, stall), func(t *testing.T) {
					sp := newStepParts(steps, parts)
					runs := make([]atomic.Int32, steps*parts)
					var finished atomic.Int64 // parts finished, all steps
					var taken atomic.Int64    // parts run by a goroutine that does not own them
					parallel(workers, parts, workers > 1, func(_, own, _ int) {
						if stall && own == 1 {
							time.Sleep(time.Millisecond) // late: its first parts are taken by others
						}
						sp.run(own, func(step, part int) {
							if f := finished.Load(); f < int64(step*parts) {
								t.Errorf("step %d part %d started with %d parts finished, want %d", step, part, f, step*parts)
							}
							runs[step*parts+part].Add(1)
							for t0 := time.Now(); time.Since(t0) < 5*time.Microsecond; {
								// long enough for the goroutines' parts to overlap
							}
							if part != own {
								taken.Add(1)
							}
							if stall && own == 1 && step%50 == 0 { // holds a part a while
								time.Sleep(200 * time.Microsecond)
							}
							finished.Add(1)
						})
					})
					if stall && workers > 1 && taken.Load() == 0 {
						t.Error("no part taken from the late goroutine")
					}
					for i := range runs {
						if n := runs[i].Load(); n != 1 {
							t.Fatalf("step %d part %d ran %d times", i/parts, i%parts, n)
						}
					}
				})
			}
		}
	}
}

// TestStepPartsPanic: a panic in one part reaches parallel's caller, and
// the goroutines waiting for that part stop waiting.
func TestStepPartsPanic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	defer func(v int) { numCPU = v }(numCPU)
	numCPU = 2
	defer func() {
		if r := recover(); r != "boom" {
			t.Errorf("recovered %v, want boom", r)
		}
	}()
	sp := newStepParts(10, 2)
	parallel(2, 2, true, func(_, own, _ int) {
		sp.run(own, func(step, part int) {
			if step == 3 && part == 1 {
				panic("boom")
			}
		})
	})
	t.Error("parallel returned without the panic")
}
