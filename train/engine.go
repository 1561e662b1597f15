package train

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
)

// NormEps is added to the running variance of N_l before the square root.
const NormEps = 1e-5

// HNetState is an HNet under training as an Engine sees it. Its slices
// are the training engine's own arrays: an engine that keeps them sees
// every optimiser step and every update of the running statistics.
type HNetState[T Float] struct {
	Arch Arch
	// Params holds K_2..K_L (row-major, K_l at KOff[l], Width(l) x
	// FanIn(l)), then a_2..a_L (a_l at AOff+l-2), then b (at BOff).
	Params     []T
	KOff       []int
	AOff, BOff int
	// Lift[l] is R_l (LiftDim(l) x Width(l), row-major); Mean[l] and
	// Var[l] are the running statistics of N_l; all for 2 <= l < L.
	Lift, Mean, Var [][]T
}

// StageGrad is the loss and gradient of one training stage at one batch
// size, built by an Engine.
type StageGrad[T Float] interface {
	// LossGrad evaluates the loss of the batch x (n x D, row-major) with
	// targets y (n) at the current parameters and statistics, and writes
	// its gradient into grad (Params' layout, untrained entries zero).
	LossGrad(x, y, grad []T) (float64, error)
}

// StageFunc builds the StageGrad of the stage with output terms 2..top
// on and K_lo..K_top trained, for batches of n rows and the task's loss.
type StageFunc[T Float] func(net HNetState[T], n, top, lo int, task string) (StageGrad[T], error)

// Engine trains the HNet with gradients computed elsewhere than in the
// native backward pass (Config.Engine names it). The running statistics
// are still updated by the native forward pass before each step. An
// engine must be registered (RegisterEngine) before a Config names it:
// the CLI registers train/gorgoniaengine, so that train itself links no
// graph library.
type Engine struct {
	Name    string
	Float32 StageFunc[float32]
	Float64 StageFunc[float64]
}

var (
	enginesMu sync.RWMutex
	engines   = map[string]Engine{}
)

// RegisterEngine makes e available under e.Name; registering a name again
// replaces the earlier engine.
func RegisterEngine(e Engine) {
	enginesMu.Lock()
	defer enginesMu.Unlock()
	engines[e.Name] = e
}

func lookupEngine(name string) (Engine, bool) {
	enginesMu.RLock()
	defer enginesMu.RUnlock()
	e, ok := engines[name]
	return e, ok
}

// engineNames lists the engines a Config may name: native, then the
// registered ones in order.
func engineNames() string {
	enginesMu.RLock()
	names := make([]string, 0, len(engines))
	for n := range engines {
		names = append(names, n)
	}
	enginesMu.RUnlock()
	slices.Sort(names)
	names = append([]string{EngineNative}, names...)
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// stageFunc is e's StageFunc of precision T.
func stageFunc[T Float](e Engine) (StageFunc[T], error) {
	var f any = e.Float64
	if _, ok := any(T(0)).(float32); ok {
		f = e.Float32
	}
	sf := f.(StageFunc[T])
	if sf == nil {
		return nil, fmt.Errorf("engine %s has no %T version", e.Name, T(0))
	}
	return sf, nil
}

// state is the engine-facing view of m (sharing its arrays).
func (m *hnet[T]) state() HNetState[T] {
	return HNetState[T]{Arch: m.arch, Params: m.params, KOff: m.kOff, AOff: m.aOff, BOff: m.bOff,
		Lift: m.lift, Mean: m.mean, Var: m.vr}
}

// engineLearner trains an HNet with an Engine's gradients: the running
// statistics are updated by the hand-written forward pass first (update,
// then use, as in the native engine) and the engine's stage gradient
// reads them.
type engineLearner[T Float] struct {
	*hnetLearner[T]
	stage  StageFunc[T]
	stages map[stage]StageGrad[T]
	err    error
}

func newEngineLearner[T Float](h *hnetLearner[T], name string) (learner[T], error) {
	e, ok := lookupEngine(name)
	if !ok {
		return nil, fmt.Errorf("engine %q: want %s", name, engineNames())
	}
	sf, err := stageFunc[T](e)
	if err != nil {
		return nil, err
	}
	return &engineLearner[T]{hnetLearner: h, stage: sf, stages: map[stage]StageGrad[T]{}}, nil
}

func (h *engineLearner[T]) lossGrad(x, y []T, idx []int, st stage, task string) float64 {
	d, n := h.m.arch.D, len(idx)
	x0 := h.b.h[0]
	for r, i := range idx {
		copy(x0[r*d:(r+1)*d], x[i*d:(i+1)*d])
		h.y[r] = y[i]
	}
	h.m.forward(h.b, n, st.Top, st.Lo)
	key := stage{Top: st.Top, Lo: st.Lo}
	sg := h.stages[key]
	if sg == nil {
		if sg, h.err = h.stage(h.m.state(), n, st.Top, st.Lo, task); h.err != nil {
			return math.NaN()
		}
		h.stages[key] = sg
	}
	loss, err := sg.LossGrad(x0[:n*d], h.y[:n], h.b.grad)
	if err != nil {
		h.err = err
		return math.NaN()
	}
	return loss
}
