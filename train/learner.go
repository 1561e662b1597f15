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
	// save copies the trained state (parameters, running statistics) into
	// sn, load copies it back.
	save(sn *snapshot[T])
	load(sn *snapshot[T])
	// redraw draws afresh, from rng, the layers that stage st switches on
	// for the first time: HNet layers prev+1..st.Top (K_l and a_l, with
	// their statistics reset); the MLP's every parameter.
	redraw(st stage, prev int, rng *rand.Rand)
	// mute switches off the output terms of the layers that stage st
	// switches on for the first time (HNet: a_l = 0 for l = prev+1..st.Top),
	// so that the model predicts what it predicted after the stage before;
	// it reports false for a learner without stages (the MLP).
	mute(st stage, prev int) bool
}

// snapshot is a copy of what training changes in a model.
type snapshot[T Float] struct {
	params   []T
	mean, vr [][]T
	inited   []bool
}

func (h *hnetLearner[T]) save(sn *snapshot[T]) {
	m := h.m
	sn.params = append(sn.params[:0], m.params...)
	sn.inited = append(sn.inited[:0], m.inited...)
	sn.mean, sn.vr = copyRows(sn.mean, m.mean), copyRows(sn.vr, m.vr)
}

func (h *hnetLearner[T]) load(sn *snapshot[T]) {
	m := h.m
	copy(m.params, sn.params)
	copy(m.inited, sn.inited)
	for l := range m.mean {
		copy(m.mean[l], sn.mean[l])
		copy(m.vr[l], sn.vr[l])
	}
}

func (h *hnetLearner[T]) redraw(st stage, prev int, rng *rand.Rand) {
	for l := prev + 1; l <= st.Top; l++ {
		h.m.drawLayer(l, rng)
		if l < h.m.arch.L {
			h.m.inited[l] = false
			clear(h.m.mean[l])
			for i := range h.m.vr[l] {
				h.m.vr[l][i] = 1
			}
		}
	}
}

func (h *hnetLearner[T]) mute(st stage, prev int) bool {
	for l := prev + 1; l <= st.Top; l++ {
		h.m.params[h.m.aOff+l-2] = 0
	}
	return true
}

// copyRows copies src into dst, reusing dst's arrays.
func copyRows[T Float](dst, src [][]T) [][]T {
	if len(dst) != len(src) {
		dst = make([][]T, len(src))
	}
	for i, r := range src {
		dst[i] = append(dst[i][:0], r...)
	}
	return dst
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

func (p *mlpLearner[T]) save(sn *snapshot[T]) { sn.params = append(sn.params[:0], p.m.params...) }
func (p *mlpLearner[T]) load(sn *snapshot[T]) { copy(p.m.params, sn.params) }

func (p *mlpLearner[T]) redraw(_ stage, _ int, rng *rand.Rand) {
	clear(p.m.params)
	p.m.init(rng)
}

func (p *mlpLearner[T]) mute(stage, int) bool { return false }

func (p *mlpLearner[T]) model(dtype string) Model { return mlpModel(p.m, dtype) }
func (p *mlpLearner[T]) normInit() []bool         { return nil }
func (p *mlpLearner[T]) setNormInit([]bool)       {}
