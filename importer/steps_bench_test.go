package importer

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"
)

// TestStepTimes prints the median time of every plan step of the model
// named by $HIERLEARN_STEPS_MODEL (input 3xSxS, S = $HIERLEARN_STEPS_SIZE,
// batch $HIERLEARN_STEPS_BATCH): a profile by operator, for tuning.
func TestStepTimes(t *testing.T) {
	path := os.Getenv("HIERLEARN_STEPS_MODEL")
	if path == "" {
		t.Skip("set HIERLEARN_STEPS_MODEL to time a model's steps")
	}
	size, _ := strconv.Atoi(os.Getenv("HIERLEARN_STEPS_SIZE"))
	if size == 0 {
		size = 224
	}
	batch, _ := strconv.Atoi(os.Getenv("HIERLEARN_STEPS_BATCH"))
	if batch == 0 {
		batch = 1
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	x := newTensor(Float32, []int{batch, 3, size, size})
	r := rand.New(rand.NewPCG(1, 2))
	for i := range x.F {
		x.F[i] = float32(r.NormFloat64())
	}
	p, err := m.buildPlan([]*Tensor{x}, true, defaultEnv)
	if err != nil {
		t.Fatal(err)
	}
	ws := p.newWorkspace()
	for i, id := range p.inputs {
		if p.runtimeIn[i] {
			ws.vals[id].F = x.F
		}
	}
	const reps = 31
	times := make([][]time.Duration, len(p.steps))
	for rep := 0; rep < reps; rep++ {
		for si, s := range p.steps {
			t0 := time.Now()
			s.k.run(ws.stepIn[si], ws.stepOut[si], ws.scratch)
			times[si] = append(times[si], time.Since(t0))
		}
	}
	var total time.Duration
	byOp := map[string]time.Duration{}
	for si, s := range p.steps {
		sort.Slice(times[si], func(a, b int) bool { return times[si][a] < times[si][b] })
		med := times[si][reps/2]
		total += med
		byOp[s.node.Op] += med
		fmt.Printf("%3d %-12s %-40s %v -> %v  %8.1f us\n", si, s.node.Op, s.node.Name, shapeOf(p, s.in), shapeOf(p, s.out), float64(med.Nanoseconds())/1e3)
	}
	for op, d := range byOp {
		fmt.Printf("%-12s %8.1f us\n", op, float64(d.Nanoseconds())/1e3)
	}
	fmt.Printf("total %8.1f us\n", float64(total.Nanoseconds())/1e3)
}

func shapeOf(p *plan, ids []int) []int {
	if len(ids) == 0 || ids[0] < 0 {
		return nil
	}
	return p.infos[ids[0]].shape
}
