package train

import (
	"math/rand/v2"
)

// learner is what the training loop needs from a model engine.
type learner[T Float] interface {
	params() []T
	grad() []T
	// lossGrad draws nothing: it evaluates the loss on the rows idx of
	// (x, y) for stage st and leaves its gradient in grad().
	lossGrad(x, y []T, idx []int, st stage, task string) float64
	// ranges are the trained slices of params() in stage st.
	ranges(st stage) [][2]int
	// evaluate predicts the rows of x with stage st's output terms and,
	// for an HNet, returns S_l (feats[l], l = 2..st.Top).
	evaluate(x []float64, n int, st stage) (pred []float64, feats [][]float64)
	model(dtype string) Model
	normInit() []bool
	setNormInit([]bool)
}

type hnetLearner[T Float] struct {
	m *hnet[T]
	b *buffers[T]
	y []T
}

func newHNetLearner[T Float](arch Arch, batch int, rng *rand.Rand) *hnetLearner[T] {
	m := newHNetEngine[T](arch)
	m.init(rng)
	return &hnetLearner[T]{m: m, b: newBuffers(m, batch), y: make([]T, batch)}
}

func (h *hnetLearner[T]) params() []T { return h.m.params }
func (h *hnetLearner[T]) grad() []T   { return h.b.grad }

func (h *hnetLearner[T]) lossGrad(x, y []T, idx []int, st stage, task string) float64 {
	d := h.m.arch.D
	n := len(idx)
	x0 := h.b.h[0]
	for r, i := range idx {
		copy(x0[r*d:(r+1)*d], x[i*d:(i+1)*d])
		h.y[r] = y[i]
	}
	h.m.forward(h.b, n, st.Top, st.Lo)
	loss := lossGrad(task, h.b.f[:n], h.y[:n], h.b.df[:n])
	h.m.backward(h.b, n, st.Top, st.Lo)
	return loss
}

func (h *hnetLearner[T]) ranges(st stage) [][2]int {
	m := h.m
	return [][2]int{{m.kOff[st.Lo], m.kOff[st.Top+1]}, {m.aOff, m.bOff + 1}}
}

func (h *hnetLearner[T]) evaluate(x []float64, n int, st stage) ([]float64, [][]float64) {
	feats := make([][]float64, h.m.arch.L+1)
	pred := predictHNet(h.m, x, n, st.Top, feats)
	return pred, feats
}

func (h *hnetLearner[T]) model(dtype string) Model { return hnetModel(h.m, dtype) }
func (h *hnetLearner[T]) normInit() []bool         { return append([]bool(nil), h.m.inited...) }
func (h *hnetLearner[T]) setNormInit(v []bool)     { copy(h.m.inited, v) }

type mlpLearner[T Float] struct {
	m *mlp[T]
	b *mlpBuffers[T]
	y []T
}

func newMLPLearner[T Float](sizes []int, batch int, rng *rand.Rand) *mlpLearner[T] {
	m := newMLPEngine[T](sizes)
	m.init(rng)
	return &mlpLearner[T]{m: m, b: newMLPBuffers(m, batch), y: make([]T, batch)}
}

func (p *mlpLearner[T]) params() []T { return p.m.params }
func (p *mlpLearner[T]) grad() []T   { return p.b.grad }

func (p *mlpLearner[T]) lossGrad(x, y []T, idx []int, _ stage, task string) float64 {
	d := p.m.sizes[0]
	n := len(idx)
	x0 := p.b.act[0]
	for r, i := range idx {
		copy(x0[r*d:(r+1)*d], x[i*d:(i+1)*d])
		p.y[r] = y[i]
	}
	p.m.forward(p.b, n)
	last := len(p.m.sizes) - 1
	loss := lossGrad(task, p.b.act[last][:n], p.y[:n], p.b.df[:n])
	p.m.backward(p.b, n)
	return loss
}

func (p *mlpLearner[T]) ranges(stage) [][2]int { return [][2]int{{0, len(p.m.params)}} }

func (p *mlpLearner[T]) evaluate(x []float64, n int, _ stage) ([]float64, [][]float64) {
	return predictMLP(p.m, x, n), nil
}

func (p *mlpLearner[T]) model(dtype string) Model { return mlpModel(p.m, dtype) }
func (p *mlpLearner[T]) normInit() []bool         { return nil }
func (p *mlpLearner[T]) setNormInit([]bool)       {}
