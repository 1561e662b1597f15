package importer

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// TestParallelCoversRange: every index is visited once, by ranges whose
// worker indexes are distinct and below workers, whether the section
// runs on the pool, on its own goroutines (pool busy) or inline.
func TestParallelCoversRange(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	defer func(v int) { numCPU = v }(numCPU)
	numCPU = 8 // up to 8 parts, whatever the machine
	for workers := 1; workers <= 5; workers++ {
		for n := 0; n <= 40; n++ {
			for _, big := range []bool{false, true} {
				seen := make([]atomic.Int32, n)
				var used [8]atomic.Int32
				parallel(workers, n, big, func(wi, lo, hi int) {
					if wi < 0 || wi >= max(1, workers) {
						t.Errorf("worker index %d of %d", wi, workers)
						return
					}
					if used[wi].Add(1) != 1 {
						t.Errorf("worker index %d used twice", wi)
					}
					for i := lo; i < hi; i++ {
						seen[i].Add(1)
					}
				})
				for i := range seen {
					if c := seen[i].Load(); c != 1 {
						t.Fatalf("workers %d, n %d, big %v: index %d visited %d times", workers, n, big, i, c)
					}
				}
			}
		}
	}
}

// TestParallelConcurrentAndNested: sections from many goroutines at once
// (most find the pool busy) and sections nested in sections all complete
// with every index visited once.
func TestParallelConcurrentAndNested(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	var wg sync.WaitGroup
	var total atomic.Int64
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rep := 0; rep < 200; rep++ {
				parallel(3, 10, true, func(_, lo, hi int) {
					for i := lo; i < hi; i++ {
						parallel(2, 4, true, func(_, lo, hi int) { total.Add(int64(hi - lo)) })
					}
				})
			}
		}()
	}
	wg.Wait()
	if got, want := total.Load(), int64(8*200*10*4); got != want {
		t.Fatalf("visited %d indexes, want %d", got, want)
	}
}

// TestParallelPanic: a panic in any part of a section, whichever
// goroutine runs it, reaches the caller (the plan's run turns it into an
// error), and the pool is free again for the next section.
func TestParallelPanic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	defer func(v int) { numCPU = v }(numCPU)
	numCPU = max(numCPU, 2) // split even on a one-core machine
	for rep := 0; rep < 200; rep++ {
		for _, part := range []int{0, 1} {
			busy := rep%2 == 1 // the second way: the pool is taken, goroutines of its own
			if busy {
				pool.cur.Store(&section{})
			}
			func() {
				defer func() {
					if r := recover(); r != "boom" {
						t.Fatalf("recovered %v, want boom", r)
					}
				}()
				parallel(2, 2, true, func(wi, lo, hi int) {
					if lo == part {
						panic("boom")
					}
				})
			}()
			if busy {
				pool.cur.Store(nil)
			}
			if pool.cur.Load() != nil {
				t.Fatal("the pool is still marked busy after a panic")
			}
		}
	}
}

// BenchmarkParallelSection times an empty two-way section on the pool:
// the fixed cost of splitting a kernel's work.
func BenchmarkParallelSection(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	var sink atomic.Int64
	for i := 0; i < b.N; i++ {
		parallel(2, 2, true, func(_, lo, hi int) { sink.Add(int64(hi - lo)) })
	}
}

// TestConcurrentRunsShareThePool: sessions running at once from many
// goroutines, on a model whose convolutions split their work (so that
// they contend for the worker pool and fall back to goroutines of their
// own), give the same bits as a run alone.
func TestConcurrentRunsShareThePool(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	r := rand.New(rand.NewPCG(21, 22))
	const C, H = 32, 32
	w1, w2 := gridValues(r, C*C*9, -0.1, 0.1, true), gridValues(r, C*C*9, -0.1, 0.1, true)
	pads := aInts("pads", 1, 1, 1, 1)
	m, err := LoadBytes(model(13, []*onnxpb.NodeProto{
		node("Conv", []string{"x", "w1"}, []string{"a"}, pads),
		node("Relu", []string{"a"}, []string{"b"}),
		node("Conv", []string{"b", "w2"}, []string{"c"}, pads),
		node("Add", []string{"c", "x"}, []string{"d"}),
		node("MaxPool", []string{"d"}, []string{"y"}, aInts("kernel_shape", 3, 3), aInts("strides", 2, 2), pads),
	}, []*onnxpb.TensorProto{floatInit("w1", w1, C, C, 3, 3), floatInit("w2", w2, C, C, 3, 3)},
		[]*onnxpb.ValueInfoProto{vinfo("x", onnxpb.TensorProto_FLOAT, -1, C, H, H)},
		[]*onnxpb.ValueInfoProto{vinfo("y", onnxpb.TensorProto_FLOAT, -1, C, H/2, H/2)}))
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[int]*Tensor{}
	ref := map[int][]float32{}
	for _, b := range []int{1, 3} {
		inputs[b] = &Tensor{DType: Float32, Shape: []int{b, C, H, H}, F: gridValues(r, b*C*H*H, -1, 1, true)}
		out, err := NewSession(m).Run(map[string]*Tensor{"x": inputs[b]})
		if err != nil {
			t.Fatal(err)
		}
		ref[b] = out["y"].F
	}
	s := NewSession(m)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 15; i++ {
				b := []int{1, 3}[(g+i)%2]
				out, err := s.Run(map[string]*Tensor{"x": inputs[b]})
				if err != nil {
					errs <- err.Error()
					return
				}
				for j, v := range out["y"].F {
					if math.Float32bits(v) != math.Float32bits(ref[b][j]) {
						errs <- "a concurrent run differs from a run alone"
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
