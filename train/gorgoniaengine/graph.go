package gorgoniaengine

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/train"
)

// hnetGraph is the HNet of one stage (output terms 2..top on, K_lo..K_top
// trained) and one batch size as a gorgonia expression graph with its
// symbolic gradient. The parameter nodes share their backing arrays with
// the engine's flat parameter vector, so an optimiser step on the engine
// is seen by the next run; the inputs, targets and normalisation
// constants are nodes whose backing arrays are refilled before each run.
// Every node gets a unique name: gorgonia merges nodes that look equal.
type hnetGraph[T train.Float] struct {
	m          train.HNetState[T]
	n, top, lo int
	g          *G.ExprGraph
	vm         G.VM
	x, h1, y   []T         // backing of the input and target nodes
	mean, inv  map[int][]T // backing of the n x LiftDim(l) normalisation constants
	b          *G.Node
	loss       *G.Node
	grads      G.Nodes // d loss / d (a, b, K_lo..K_top)
}

func newHNetGraph[T train.Float](m train.HNetState[T], n, top, lo int, task string) (hg *hnetGraph[T], err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gorgonia graph: %v", r)
		}
	}()
	a := m.Arch
	dt := tensor.Float64
	if _, ok := any(m.Params).([]float32); ok {
		dt = tensor.Float32
	}
	g := G.NewGraph()
	hg = &hnetGraph[T]{m: m, n: n, top: top, lo: lo, g: g, x: make([]T, n*a.D), h1: make([]T, n*a.D), y: make([]T, n),
		mean: map[int][]T{}, inv: map[int][]T{}}
	shared := func(data []T, name string, shape ...int) *G.Node {
		return G.NewTensor(g, dt, len(shape), G.WithShape(shape...), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))))
	}
	must := func(nd *G.Node, err error) *G.Node {
		if err != nil {
			panic(err)
		}
		return nd
	}
	H := map[int]*G.Node{0: shared(hg.x, "x", n, a.D), 1: shared(hg.h1, "h1", n, a.D)}
	K := map[int]*G.Node{}
	for l := 2; l <= top; l++ {
		K[l] = shared(m.Params[m.KOff[l]:m.KOff[l+1]], fmt.Sprintf("K%d", l), a.Width(l), a.FanIn(l))
	}
	av := shared(m.Params[m.AOff:m.AOff+a.L-1], "a", a.L-1)
	hg.b = G.NewScalar(g, dt, G.WithName("b"))
	var F *G.Node
	for l := 2; l <= top; l++ {
		var ins []*G.Node
		for _, j := range a.Skip(l) {
			ins = append(ins, H[j])
		}
		in := ins[0]
		if len(ins) > 1 {
			in = must(G.Concat(1, ins...))
		}
		S := must(G.Mul(in, must(G.Transpose(K[l]))))
		term := must(G.HadamardProd(must(G.Slice(av, G.S(l-2))), must(G.Sum(must(G.Square(S)), 1))))
		if F == nil {
			F = term
		} else {
			F = must(G.Add(F, term))
		}
		if l < a.L && l < top {
			md := a.LiftDim(l)
			hg.mean[l], hg.inv[l] = make([]T, n*md), make([]T, n*md)
			R := shared(append([]T(nil), m.Lift[l]...), fmt.Sprintf("R%d", l), md, a.Width(l))
			Q := must(G.Square(must(G.Mul(S, must(G.Transpose(R))))))
			H[l] = must(G.HadamardProd(must(G.Sub(Q, shared(hg.mean[l], fmt.Sprintf("mean%d", l), n, md))),
				shared(hg.inv[l], fmt.Sprintf("inv%d", l), n, md)))
		}
	}
	F = must(G.Add(F, hg.b))
	yv := shared(hg.y, "y", n)
	if task == concept.TaskClassification {
		hg.loss = must(G.Mean(must(G.Softplus(must(G.Neg(must(G.HadamardProd(yv, F))))))))
	} else {
		hg.loss = must(G.Mean(must(G.Square(must(G.Sub(F, yv))))))
	}
	wrt := G.Nodes{av, hg.b}
	for l := lo; l <= top; l++ {
		wrt = append(wrt, K[l])
	}
	if hg.grads, err = G.Grad(hg.loss, wrt...); err != nil {
		return nil, err
	}
	hg.vm = G.NewTapeMachine(g)
	return hg, nil
}

// LossGrad evaluates the graph on the batch (x, y) with the engine's
// current parameters and statistics and writes the gradient into grad
// (flat layout, other entries zero).
func (hg *hnetGraph[T]) LossGrad(x, y, grad []T) (float64, error) {
	m, a, n := hg.m, hg.m.Arch, hg.n
	copy(hg.x, x[:n*a.D])
	copy(hg.y, y[:n])
	for i, v := range hg.x {
		hg.h1[i] = (v*v - 1) * T(1/math.Sqrt2)
	}
	for l, mean := range hg.mean {
		md := a.LiftDim(l)
		for c := 0; c < md; c++ {
			inv := T(1 / math.Sqrt(float64(m.Var[l][c])+train.NormEps))
			for r := 0; r < n; r++ {
				mean[r*md+c] = m.Mean[l][c]
				hg.inv[l][r*md+c] = inv
			}
		}
	}
	if err := G.Let(hg.b, scalar(m.Params[m.BOff])); err != nil {
		return 0, err
	}
	defer hg.vm.Reset()
	if err := hg.vm.RunAll(); err != nil {
		return 0, fmt.Errorf("gorgonia: %w", err)
	}
	clear(grad)
	copy(grad[m.AOff:m.AOff+a.L-1], hg.grads[0].Value().Data().([]T))
	grad[m.BOff] = fromScalar[T](hg.grads[1].Value().Data())
	for i, l := 0, hg.lo; l <= hg.top; i, l = i+1, l+1 {
		copy(grad[m.KOff[l]:m.KOff[l+1]], hg.grads[2+i].Value().Data().([]T))
	}
	return float64(fromScalar[T](hg.loss.Value().Data())), nil
}

// Close releases the graph's tape machine.
func (hg *hnetGraph[T]) Close() { hg.vm.Close() }

func scalar[T train.Float](v T) any {
	if _, ok := any(v).(float32); ok {
		return any(v).(float32)
	}
	return any(v).(float64)
}

func fromScalar[T train.Float](v any) T {
	switch v := v.(type) {
	case float64:
		return T(v)
	case float32:
		return T(v)
	case []float64:
		return T(v[0])
	case []float32:
		return T(v[0])
	}
	return T(math.NaN())
}
