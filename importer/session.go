package importer

import (
	"fmt"
	"sync"
)

// Session runs a Model. Load once, create a Session, and call Run as often
// as needed, from any number of goroutines: each distinct set of input
// shapes is planned once (shapes inferred, shape plumbing folded, buffers
// laid out) and every plan keeps a pool of workspaces, so that steady-state
// Runs reuse their activation buffers.
type Session struct {
	m     *Model
	env   *buildEnv
	mu    sync.Mutex
	plans *planCache[*sessionPlan]
}

type sessionPlan struct {
	p    *plan
	mu   sync.Mutex
	free []*workspace // idle workspaces (not a sync.Pool: GC must not drop them)
}

// maxIdle bounds the idle workspaces kept per plan.
const maxIdle = 8

func (sp *sessionPlan) get() *workspace {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if n := len(sp.free); n > 0 {
		ws := sp.free[n-1]
		sp.free = sp.free[:n-1]
		return ws
	}
	return nil
}

func (sp *sessionPlan) put(ws *workspace) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if len(sp.free) < maxIdle {
		sp.free = append(sp.free, ws)
	}
}

// NewSession returns a Session for m with the default options.
func NewSession(m *Model) *Session { return NewSessionWith(m, SessionOptions{}) }

// NewSessionWith returns a Session for m that plans with the given
// options.
func NewSessionWith(m *Model, opt SessionOptions) *Session {
	return &Session{m: m, env: &buildEnv{opt: opt}, plans: newPlanCache[*sessionPlan]()}
}

// Model returns the session's model.
func (s *Session) Model() *Model { return s.m }

// Run computes the model's outputs for the named inputs. Inputs must have
// the element type the model declares and a shape matching its fixed
// dimensions; symbolic dimensions (a dynamic batch axis) take any size.
// The returned tensors belong to the caller.
func (s *Session) Run(inputs map[string]*Tensor) (map[string]*Tensor, error) {
	in := make([]*Tensor, len(s.m.Inputs))
	if err := gatherInputs(s.m.Inputs, inputs, in); err != nil {
		return nil, err
	}
	for name := range inputs {
		if _, ok := s.m.Input(name); !ok {
			return nil, fmt.Errorf("importer: the model has no input %q", name)
		}
	}
	sp, err := s.planFor(in)
	if err != nil {
		return nil, err
	}
	ws := sp.get()
	if ws == nil {
		ws = sp.p.newWorkspace()
	}
	outs, err := sp.p.run(ws, in)
	sp.put(ws)
	if err != nil {
		return nil, err
	}
	res := make(map[string]*Tensor, len(outs))
	for i, o := range s.m.Outputs {
		res[o.Name] = outs[i]
	}
	return res, nil
}

func (s *Session) planFor(in []*Tensor) (*sessionPlan, error) {
	key := s.m.planKey(in)
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp, ok := s.plans.get(key); ok {
		return sp, nil
	}
	p, err := s.m.buildPlan(in, true, s.env)
	if err != nil {
		return nil, fmt.Errorf("importer: planning for inputs %s: %w", describeInputs(s.m.Inputs, in), err)
	}
	sp := &sessionPlan{p: p}
	s.plans.put(key, sp)
	return sp, nil
}

func checkInput(vi ValueInfo, t *Tensor) error {
	if t.DType != vi.DType {
		return fmt.Errorf("importer: %w: input %q is %v, the model wants %v", ErrBadInput, vi.Name, t.DType, vi.DType)
	}
	n, err := checkedNumel(toInt64s(t.Shape))
	if err != nil {
		return fmt.Errorf("importer: input %q: %w", vi.Name, err)
	}
	if (t.DType == Float32 && len(t.F) != n) || (t.DType != Float32 && len(t.I) != n) {
		return fmt.Errorf("importer: %w: input %q: %d values for shape %v", ErrShape, vi.Name, max(len(t.F), len(t.I)), t.Shape)
	}
	if vi.Shape == nil {
		return nil
	}
	if len(t.Shape) != len(vi.Shape) {
		return fmt.Errorf("importer: %w: input %q has shape %v, the model wants rank %d %v", ErrShape, vi.Name, t.Shape, len(vi.Shape), vi.Shape)
	}
	for i, d := range vi.Shape {
		if d >= 0 && t.Shape[i] != d {
			return fmt.Errorf("importer: %w: input %q has shape %v, the model wants %v (-1 = any)", ErrShape, vi.Name, t.Shape, vi.Shape)
		}
	}
	return nil
}

// MemoryBytes reports the session's memory: the model's constants
// (weights, folded values) and the workspaces (activation buffers and
// scratch) of every cached plan, idle ones included.
func (s *Session) MemoryBytes() (constants, workspaces int64) {
	for _, t := range s.m.consts {
		constants += int64(len(t.F))*4 + int64(len(t.I))*8
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plans.each(func(sp *sessionPlan) {
		var per int64 = int64(sp.p.scratch) * 4
		for b, n := range sp.p.bufSize {
			if sp.p.bufType[b] == Float32 {
				per += int64(n) * 4
			} else {
				per += int64(n) * 8
			}
		}
		sp.mu.Lock()
		workspaces += per * int64(max(1, len(sp.free)))
		sp.mu.Unlock()
	})
	return constants, workspaces
}

// gatherInputs puts the tensor named by each of vis into in (in order),
// checking that it is present and matches its declared type and shape.
func gatherInputs(vis []ValueInfo, inputs map[string]*Tensor, in []*Tensor) error {
	for i, vi := range vis {
		t, ok := inputs[vi.Name]
		if !ok || t == nil {
			return fmt.Errorf("importer: input %q missing", vi.Name)
		}
		if err := checkInput(vi, t); err != nil {
			return err
		}
		in[i] = t
	}
	return checkSymbolicDims(vis, in)
}
