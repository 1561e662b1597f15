package importer

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The kernels split their work with parallel (fork-join over index
// ranges). Starting goroutines for every such section costs little in
// itself, but an idle processor must then be woken by the Go scheduler
// (an OS futex), which takes tens of microseconds: about as long as one
// convolution of a batch-1 CIFAR ResNet. So parallel hands its sections
// to a small set of persistent workers that keep spinning for a while
// after each section (a Run issues them back to back), as onnxruntime's
// thread pool does, and park when the process is idle. Waiting workers
// and callers poll through spinWait, which gives the core up to the OS
// when a wait grows long (a loaded machine).
//
// One section runs on the pool at a time; a section that finds the pool
// busy (another Run in another goroutine) starts its own goroutines, as
// does a section nested inside another. Either way a panic in any part
// (an internal error) is raised again in the calling goroutine, where
// the plan's run turns it into an error.

// numCPU bounds the parts of a section.
var numCPU = runtime.NumCPU()

// spinFor is how long an idle worker keeps polling for the next section
// before it parks.
const spinFor = time.Millisecond

// section is one fork-join: parts ranges of [0, n), taken by the calling
// goroutine and the workers through next, counted in done. A panic in a
// part is recovered where it happens and raised again in the caller.
type section struct {
	fn     func(wi, lo, hi int)
	n      int
	parts  int32
	next   atomic.Int32
	done   atomic.Int32
	failed atomic.Pointer[panicked]
}

type panicked struct{ v any }

// runParts runs parts of s until none is left (or one panics).
func (s *section) runParts() {
	defer func() {
		if r := recover(); r != nil {
			s.failed.CompareAndSwap(nil, &panicked{r})
			s.done.Add(1)
		}
	}()
	for {
		i := s.next.Add(1) - 1
		if i >= s.parts {
			return
		}
		p, n := int(i), int(s.parts)
		s.fn(p, p*s.n/n, (p+1)*s.n/n)
		s.done.Add(1)
	}
}

var pool struct {
	cur      atomic.Pointer[section]
	sleeping atomic.Int32
	wake     chan struct{}
	mu       sync.Mutex
	workers  int
}

// ensureWorkers starts workers until there are n.
func ensureWorkers(n int) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.wake == nil {
		pool.wake = make(chan struct{}, 64)
	}
	for ; pool.workers < n && pool.workers < cap(pool.wake); pool.workers++ {
		go poolWorker()
	}
}

func poolWorker() {
	var w spinWait
	for {
		if s := pool.cur.Load(); s != nil && s.next.Load() < s.parts {
			s.runParts()
			w.reset()
			continue
		}
		w.pause()
		if w.spins&4095 != 0 || !w.waited(spinFor) {
			continue
		}
		// Park. A section posted after the check below finds sleeping > 0
		// and sends a token; one posted before it is seen by the check.
		pool.sleeping.Add(1)
		if s := pool.cur.Load(); s == nil || s.next.Load() >= s.parts {
			<-pool.wake
		}
		pool.sleeping.Add(-1)
		w.reset()
	}
}

// parallel splits [0, n) into up to workers contiguous ranges run
// concurrently (worker index, range) when big is true, else runs it whole.
// The worker index is the range's index: per-worker scratch indexed by it
// is never used by two goroutines at once.
func parallel(workers, n int, big bool, fn func(wi, lo, hi int)) {
	// Never more parts than cores: with GOMAXPROCS above the core count
	// (--threads 8 on 2 cores), spinning workers would take the cores
	// from the goroutines doing the work (measured: resnet18 1.9x slower).
	workers = min(workers, n, numCPU)
	if workers <= 1 || !big {
		fn(0, 0, n)
		return
	}
	s := &section{fn: fn, n: n, parts: int32(workers)}
	if !pool.cur.CompareAndSwap(nil, s) {
		spawnParallel(workers, n, fn)
		return
	}
	defer pool.cur.CompareAndSwap(s, nil) // also after a panic in fn
	ensureWorkers(workers - 1)
	for k := pool.sleeping.Load(); k > 0; k-- {
		select {
		case pool.wake <- struct{}{}:
		default:
		}
	}
	s.runParts()
	var w spinWait
	for s.done.Load() < s.parts {
		w.pause()
	}
	if f := s.failed.Load(); f != nil {
		panic(f.v)
	}
}

// spawnParallel is parallel on goroutines of its own.
func spawnParallel(workers, n int, fn func(wi, lo, hi int)) {
	var wg sync.WaitGroup
	var failed atomic.Pointer[panicked]
	for i := 0; i < workers; i++ {
		lo, hi := i*n/workers, (i+1)*n/workers
		wg.Add(1)
		go func() {
			defer func() {
				if r := recover(); r != nil {
					failed.CompareAndSwap(nil, &panicked{r})
				}
				wg.Done()
			}()
			fn(i, lo, hi)
		}()
	}
	wg.Wait()
	if f := failed.Load(); f != nil {
		panic(f.v)
	}
}
