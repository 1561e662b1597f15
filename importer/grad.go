package importer

import (
	"errors"
	"fmt"
	"sync"

	"github.com/hierlearn/hierlearn/internal/numeric/vec"
)

// GradSession runs a Model with a tape and differentiates it. Params are
// float32 initializers that become variables: their current values live
// in the session (SetParam replaces them) and Backward returns gradients
// with respect to them as well as to the float inputs.
//
// The plain Session is untouched: a GradSession plans its own copy of the
// model in which every value keeps its own buffer (nothing is reused, so
// the tape is the workspace), and params are run-time inputs, so kernels
// specialised to constant weights (the shifted-GEMM convolution) are not
// used for them.
type GradSession struct {
	m      *Model // copy of the model with params as extra inputs
	nIn    int    // graph inputs of the original model
	params []string
	pidx   map[string]int

	mu       sync.Mutex
	vals     []*Tensor // param values, in params order
	plans    *planCache[*gradPlan]
	training bool            // SetTraining
	running  map[string]bool // running statistics updated in training mode
	frozenBN map[string]bool // FreezeBatchNorm: nodes kept in inference form in training mode
}

type gradPlan struct {
	p        *plan
	back     []backFn // per step; nil for operators without a derivative
	training bool     // built in training mode (SetTraining)

	mu    sync.Mutex
	free  []*workspace // workspaces of released tapes
	pools []*gradPool  // gradient buffers of finished Backward calls
}

func (gp *gradPlan) get() *workspace {
	gp.mu.Lock()
	defer gp.mu.Unlock()
	if n := len(gp.free); n > 0 {
		ws := gp.free[n-1]
		gp.free = gp.free[:n-1]
		return ws
	}
	return gp.p.newWorkspace()
}

// NewGradSession prepares m for gradients with respect to its float inputs
// and the named params (float32 initializers of the executed graph; see
// Model.FloatInitializers and LoadOptions.NoFold).
func NewGradSession(m *Model, params ...string) (*GradSession, error) {
	cp := *m
	cp.consts = make(map[string]*Tensor, len(m.consts))
	for k, v := range m.consts {
		cp.consts[k] = v
	}
	cp.Inputs = append([]ValueInfo{}, m.Inputs...)
	g := &GradSession{m: &cp, nIn: len(m.Inputs), pidx: map[string]int{}, plans: newPlanCache[*gradPlan](), running: map[string]bool{}}
	for _, name := range params {
		t, ok := m.consts[name]
		if !ok {
			return nil, fmt.Errorf("importer: %q is not an initializer of the executed graph (it may have been folded at load time: load with LoadOptions{NoFold: true})", name)
		}
		if t.DType != Float32 {
			return nil, fmt.Errorf("importer: initializer %q is %v, only float32 initializers are differentiable", name, t.DType)
		}
		if _, dup := g.pidx[name]; dup {
			return nil, fmt.Errorf("importer: param %q named twice", name)
		}
		delete(cp.consts, name)
		cp.Inputs = append(cp.Inputs, ValueInfo{Name: name, DType: Float32, Shape: append([]int{}, t.Shape...)})
		g.pidx[name] = len(g.params)
		g.params = append(g.params, name)
		g.vals = append(g.vals, t.Clone())
	}
	return g, nil
}

// Params lists the params, in the order given to NewGradSession.
func (g *GradSession) Params() []string { return append([]string{}, g.params...) }

// Param returns the current value of a param (not a copy: do not modify).
func (g *GradSession) Param(name string) *Tensor {
	g.mu.Lock()
	defer g.mu.Unlock()
	if i, ok := g.pidx[name]; ok {
		return g.vals[i]
	}
	return nil
}

// SetParam replaces a param's value (same shape); Tapes already recorded
// keep the old value.
func (g *GradSession) SetParam(name string, t *Tensor) error {
	i, ok := g.pidx[name]
	if !ok {
		return fmt.Errorf("importer: %q is not a param of this GradSession", name)
	}
	if t.DType != Float32 || !sameShape(t.Shape, g.vals[i].Shape) || len(t.F) != numel(t.Shape) {
		return fmt.Errorf("importer: param %q: got %v, want float32%v", name, t, g.vals[i].Shape)
	}
	g.mu.Lock()
	g.vals[i] = t
	g.mu.Unlock()
	return nil
}

// Tape is one recorded forward pass: every value of the run stays alive
// until Backward has used it.
type Tape struct {
	g  *GradSession
	gp *gradPlan
	ws *workspace
	in []*Tensor
	bn map[int]bnStats // training mode: the batch statistics of each BatchNormalization step
}

// Forward runs the model on the named inputs, recording a tape. Safe for
// concurrent use.
func (g *GradSession) Forward(inputs map[string]*Tensor) (*Tape, error) {
	in := make([]*Tensor, len(g.m.Inputs))
	if err := gatherInputs(g.m.Inputs[:g.nIn], inputs, in); err != nil {
		return nil, err
	}
	for name := range inputs {
		_, isParam := g.pidx[name]
		if _, ok := g.m.Input(name); !ok || isParam {
			return nil, fmt.Errorf("importer: the model has no input %q", name)
		}
	}
	g.mu.Lock()
	copy(in[g.nIn:], g.vals)
	g.mu.Unlock()
	gp, err := g.planFor(in)
	if err != nil {
		return nil, err
	}
	ws := gp.get()
	for i, id := range gp.p.inputs {
		if gp.p.runtimeIn[i] {
			ws.vals[id].F, ws.vals[id].I = in[i].F, in[i].I
		}
	}
	if err := gp.p.forward(ws); err != nil {
		return nil, err
	}
	tape := &Tape{g: g, gp: gp, ws: ws, in: in}
	if gp.training {
		if tape.bn, err = g.updateRunningStats(gp, ws); err != nil {
			return nil, err
		}
	}
	return tape, nil
}

// Release hands the tape's buffers back for reuse by later Forward calls
// (they are otherwise garbage collected). The tape must not be used after.
func (t *Tape) Release() {
	if t.ws == nil {
		return
	}
	p := t.gp.p
	for i, id := range p.inputs {
		if p.runtimeIn[i] {
			t.ws.vals[id].F, t.ws.vals[id].I = nil, nil
		}
	}
	t.gp.mu.Lock()
	if len(t.gp.free) < maxIdle {
		t.gp.free = append(t.gp.free, t.ws)
	}
	t.gp.mu.Unlock()
	t.ws = nil
}

func (g *GradSession) planFor(in []*Tensor) (*gradPlan, error) {
	key := g.m.planKey(in)
	g.mu.Lock()
	defer g.mu.Unlock()
	if gp, ok := g.plans.get(key); ok {
		return gp, nil
	}
	// No Winograd on a tape: its rounding (about 1e-5 of a layer's
	// scale) moves values near a ReLU's kink across it, and the gradient
	// of a folded resnet18 then strays 1% from torch's.
	env := &buildEnv{opt: SessionOptions{NoWinograd: true}}
	if g.training {
		env.training, env.frozenBN = true, g.frozenBN
	}
	p, err := g.m.buildPlan(in, false, env)
	if err != nil {
		return nil, fmt.Errorf("importer: planning for inputs %s: %w", describeInputs(g.m.Inputs, in), err)
	}
	p.ownBuffers()
	gp := &gradPlan{p: p, back: make([]backFn, len(p.steps)), training: g.training}
	for i, s := range p.steps {
		if s.k.alias {
			gp.back[i] = backAlias // a view, whatever the operator
		} else if s.node.Op == "BatchNormalization" && (g.training && !g.frozenBN[s.node.Name] || s.node.attrInt("training_mode", 0) != 0) {
			gp.back[i] = backBatchNormTrain
			p.steps[i].out = withSavedStats(s.out)
		} else {
			gp.back[i] = s.node.def().back
		}
	}
	g.plans.put(key, gp)
	return gp, nil
}

// ownBuffers replaces the plan's buffer sharing by one buffer per value
// (aliases still view their source), so that every value survives the run.
func (p *plan) ownBuffers() {
	for i := range p.bufOf {
		p.bufOf[i] = -1
	}
	p.bufSize, p.bufType = nil, nil
	for _, s := range p.steps {
		for j, id := range s.out {
			if id < 0 || (s.k.alias && j == 0) {
				continue
			}
			p.bufOf[id] = len(p.bufSize)
			p.bufSize = append(p.bufSize, numel(p.infos[id].shape))
			p.bufType = append(p.bufType, bufKind(p.infos[id].dt))
		}
	}
}

func (t *Tape) id(name string) (int, bool) {
	for i, n := range t.gp.p.names {
		if n == name {
			return i, true
		}
	}
	return -1, false
}

// Output returns a copy of a graph output of the recorded run.
func (t *Tape) Output(name string) (*Tensor, error) {
	if t.ws == nil {
		return nil, errReleased
	}
	for i, o := range t.g.m.Outputs {
		if o.Name == name {
			return t.ws.vals[t.gp.p.outputs[i]].Clone(), nil
		}
	}
	return nil, fmt.Errorf("importer: the model has no output %q", name)
}

// Value returns a copy of any value of the recorded run by name: a graph
// output, an input or an intermediate tensor (for conjugate kernels).
func (t *Tape) Value(name string) (*Tensor, error) {
	if t.ws == nil {
		return nil, errReleased
	}
	id, ok := t.id(name)
	if !ok || t.ws.vals[id] == nil || (t.ws.vals[id].F == nil && t.ws.vals[id].I == nil && numel(t.ws.vals[id].Shape) > 0) {
		return nil, fmt.Errorf("importer: the executed graph has no value %q (it may have been fused or folded at load time)", name)
	}
	return t.ws.vals[id].Clone(), nil
}

// Grads holds the gradients of one Backward call.
type Grads struct {
	Inputs map[string]*Tensor // float graph inputs
	Params map[string]*Tensor // the GradSession's params
}

// Backward propagates seeds (the gradient of a scalar with respect to
// graph outputs, each of the output's shape) back through the tape and
// returns the gradients with respect to the float inputs and the params.
// Values absent from the seeds get zero gradient. A Tape may be
// differentiated any number of times.
func (t *Tape) Backward(seeds map[string]*Tensor) (*Grads, error) { return t.backward(seeds, true) }

// BackwardParams is Backward for the params alone: the graph inputs are
// treated as constants, so that nothing is computed only for their
// gradient (a training step's first convolution skips its input
// gradient), and Grads.Inputs is empty.
func (t *Tape) BackwardParams(seeds map[string]*Tensor) (*Grads, error) {
	return t.backward(seeds, false)
}

// backward is Backward, with the graph inputs' gradients when inputs.
func (t *Tape) backward(seeds map[string]*Tensor, inputs bool) (*Grads, error) {
	if t.ws == nil {
		return nil, errReleased
	}
	p := t.gp.p
	nv := len(p.infos)
	grad := make([][]float32, nv)
	pool := t.gp.pool()
	defer func() {
		for _, g := range grad {
			pool.put(g)
		}
		t.gp.release(pool)
	}()
	for name, s := range seeds {
		found := false
		for i, o := range t.g.m.Outputs {
			if o.Name != name {
				continue
			}
			found = true
			id := p.outputs[i]
			if p.infos[id].dt != Float32 || !sameShape(s.Shape, p.infos[id].shape) || len(s.F) != numel(s.Shape) {
				return nil, fmt.Errorf("importer: seed for output %q is %v, the output is %v%v", name, s, p.infos[id].dt, p.infos[id].shape)
			}
			if grad[id] == nil {
				grad[id] = pool.get(len(s.F))
			}
			addTo(grad[id], s.F)
		}
		if !found {
			return nil, fmt.Errorf("importer: the model has no output %q", name)
		}
	}
	// needs[v]: v depends on a differentiable input or param.
	needs := make([]bool, nv)
	for i, id := range p.inputs {
		if p.runtimeIn[i] && p.infos[id].dt == Float32 && (inputs || i >= t.g.nIn) {
			needs[id] = true
		}
	}
	for _, s := range p.steps {
		any := false
		for _, id := range s.in {
			if id >= 0 && needs[id] {
				any = true
			}
		}
		if any {
			for _, id := range s.out {
				if id >= 0 && p.infos[id].dt == Float32 {
					needs[id] = true
				}
			}
		}
	}
	for si := len(p.steps) - 1; si >= 0; si-- {
		s := p.steps[si]
		c := &backCtx{n: s.node, k: s.k, in: t.ws.stepIn[si], out: t.ws.stepOut[si], scratch: t.ws.scratch,
			gout: make([][]float32, len(s.out)), gin: make([][]float32, len(s.in))}
		if st, ok := t.bn[si]; ok {
			c.bn = &st
		}
		anyOut := false
		for j, id := range s.out {
			if id >= 0 && grad[id] != nil {
				c.gout[j] = grad[id]
				anyOut = true
			}
		}
		anyIn := false
		for j, id := range s.in {
			if id >= 0 && needs[id] && p.infos[id].dt == Float32 {
				anyIn = true
				if grad[id] == nil {
					grad[id] = pool.get(numel(p.infos[id].shape))
				}
				c.gin[j] = grad[id]
			}
		}
		if !anyOut || !anyIn {
			t.releaseGrads(pool, grad, s)
			continue
		}
		fn := t.gp.back[si]
		if fn == nil {
			return nil, fmt.Errorf("%w: the gradient reaches node %q (%s), which has none", ErrNoGradient, s.node.Name, s.node.Op)
		}
		for j, id := range s.out {
			if id >= 0 && c.gout[j] == nil && p.infos[id].dt == Float32 {
				grad[id] = pool.get(numel(p.infos[id].shape))
				c.gout[j] = grad[id]
			}
		}
		var masked []float32
		if s.node.fuseRelu {
			y := c.out[0].F
			masked = pool.get(len(y))
			vec.AddWherePositive(masked, c.gout[0], y)
			c.gout[0] = masked
		}
		err := safeBack(fn, c)
		pool.put(masked)
		if err != nil {
			return nil, err
		}
		t.releaseGrads(pool, grad, s)
	}
	res := &Grads{Inputs: map[string]*Tensor{}, Params: map[string]*Tensor{}}
	for i, id := range p.inputs {
		if !needs[id] || !p.runtimeIn[i] || p.infos[id].dt != Float32 {
			continue
		}
		g := make([]float32, numel(p.infos[id].shape))
		copy(g, grad[id]) // the pooled buffer is reused by the next Backward
		tt := &Tensor{DType: Float32, Shape: append([]int{}, p.infos[id].shape...), F: g}
		name := t.g.m.Inputs[i].Name
		if i >= t.g.nIn {
			res.Params[name] = tt
		} else {
			res.Inputs[name] = tt
		}
	}
	return res, nil
}

var errReleased = errors.New("importer: the tape was released")

// releaseGrads hands the gradients of step s's outputs back to the pool:
// every consumer of those values has run its backward step before s.
// Graph inputs are no step's output, so their gradients stay.
func (t *Tape) releaseGrads(pool *gradPool, grad [][]float32, s step) {
	for _, id := range s.out {
		if id >= 0 {
			pool.put(grad[id])
			grad[id] = nil
		}
	}
}

func safeBack(fn backFn, c *backCtx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("importer: backward of node %q (%s): %w", c.n.Name, c.n.Op, recovered(r))
		}
	}()
	if err := fn(c); err != nil {
		return fmt.Errorf("importer: backward of node %q (%s): %w", c.n.Name, c.n.Op, err)
	}
	return nil
}
