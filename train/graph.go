package train

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// graphLossGrad builds the HNet's forward pass and squared loss on the n
// rows of (x, y) as a gorgonia expression graph, with output terms 2..top
// on and the normalisation statistics as constants, differentiates it
// symbolically (gorgonia.Grad) and returns the loss and its gradient in
// the engine's flat parameter layout (zero for K_l with l > top).
//
// Every node gets a unique name: gorgonia merges nodes that look equal.
// It is the independent autodiff oracle for the hand-written backward
// pass (graph_test.go); training uses the hand-written pass, which costs
// no graph overhead and no allocation per step.
func graphLossGrad[T Float](m *hnet[T], x, y []T, n, top int) (float64, []T, error) {
	a := m.arch
	dt := tensor.Float64
	if _, ok := any(x).([]float32); ok {
		dt = tensor.Float32
	}
	g := G.NewGraph()
	mat := func(data []T, r, c int, name string) *G.Node {
		return G.NewMatrix(g, dt, G.WithShape(r, c), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(r, c), tensor.WithBacking(append([]T(nil), data...)))))
	}
	h1 := make([]T, n*a.D)
	for i, v := range x[:n*a.D] {
		h1[i] = (v*v - 1) * T(invSqrt2)
	}
	H := map[int]*G.Node{0: mat(x[:n*a.D], n, a.D, "x"), 1: mat(h1, n, a.D, "h1")}
	K := map[int]*G.Node{}
	for l := 2; l <= top; l++ {
		K[l] = mat(m.k(l), a.Width(l), a.FanIn(l), fmt.Sprintf("K%d", l))
	}
	av := G.NewVector(g, dt, G.WithShape(a.L-1), G.WithName("a"),
		G.WithValue(tensor.New(tensor.WithShape(a.L-1), tensor.WithBacking(append([]T(nil), m.params[m.aOff:m.aOff+a.L-1]...)))))
	var bv *G.Node
	if dt == tensor.Float64 {
		bv = G.NewScalar(g, dt, G.WithName("b"), G.WithValue(float64(m.params[m.bOff])))
	} else {
		bv = G.NewScalar(g, dt, G.WithName("b"), G.WithValue(float32(m.params[m.bOff])))
	}
	must := func(nd *G.Node, err error) *G.Node {
		if err != nil {
			panic(err)
		}
		return nd
	}
	var F, loss *G.Node
	out := make([]T, len(m.params))
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("gorgonia graph: %v", r)
			}
		}()
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
				mean, inv := make([]T, n*md), make([]T, n*md)
				for r := 0; r < n; r++ {
					for c := 0; c < md; c++ {
						mean[r*md+c] = m.mean[l][c]
						inv[r*md+c] = T(1 / math.Sqrt(float64(m.vr[l][c])+normEps))
					}
				}
				Z := must(G.Mul(S, must(G.Transpose(mat(m.lift[l], md, a.Width(l), fmt.Sprintf("R%d", l))))))
				Q := must(G.Square(Z))
				H[l] = must(G.HadamardProd(must(G.Sub(Q, mat(mean, n, md, fmt.Sprintf("mean%d", l)))), mat(inv, n, md, fmt.Sprintf("inv%d", l))))
			}
		}
		F = must(G.Add(F, bv))
		yv := G.NewVector(g, dt, G.WithShape(n), G.WithName("y"),
			G.WithValue(tensor.New(tensor.WithShape(n), tensor.WithBacking(append([]T(nil), y[:n]...)))))
		loss = must(G.Mean(must(G.Square(must(G.Sub(F, yv))))))
		wrt := []*G.Node{av, bv}
		for l := 2; l <= top; l++ {
			wrt = append(wrt, K[l])
		}
		grads, err := G.Grad(loss, wrt...)
		if err != nil {
			return err
		}
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			return err
		}
		copy(out[m.aOff:], grads[0].Value().Data().([]T))
		switch v := grads[1].Value().Data().(type) {
		case float64:
			out[m.bOff] = T(v)
		case float32:
			out[m.bOff] = T(v)
		}
		for i, l := 0, 2; l <= top; i, l = i+1, l+1 {
			copy(out[m.kOff[l]:], grads[2+i].Value().Data().([]T))
		}
		return nil
	}()
	if err != nil {
		return 0, nil, err
	}
	var lv float64
	switch v := loss.Value().Data().(type) {
	case float64:
		lv = v
	case float32:
		lv = float64(v)
	}
	return lv, out, nil
}
