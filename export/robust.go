package export

import (
	"fmt"

	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/train/kernel"
	"github.com/hierlearn/hierlearn/train/robust"
)

// RobustNetGraph builds the graph of a train/robust two-layer network:
//
//	P = relu(x W^T + b),  Q = relu(-x W^T + b)
//	y = Alpha A sum_r (P - Q)_r   [- the same at W0, B0 when centred]
//
// in float32 like the other exported learners, so that hierlearn's
// importer (float32) runs it too. The NTK-regime network's output is Alpha
// times a small difference of two networks: float32 loses about Alpha
// times its rounding there (seen: 1e-6 of the output scale at Alpha 100).
func RobustNetGraph(n *robust.Net, opset int) (*Graph, error) {
	if err := CheckOpset(opset); err != nil {
		return nil, err
	}
	if n == nil || n.D < 1 || n.Width < 1 || len(n.W) != n.D*n.Width || len(n.B) != n.Width ||
		(n.Center && (len(n.W0) != len(n.W) || len(n.B0) != len(n.B))) {
		return nil, fmt.Errorf("robust network: weights do not fit d=%d, width %d", n.D, n.Width)
	}
	g := NewGraph("robust-net")
	g.SetOpset(opset)
	g.SetDoc(fmt.Sprintf("hierlearn two-layer symmetric ReLU network (train/robust): d=%d, width %d, alpha %g, centred %v", n.D, n.Width, n.Alpha, n.Center))
	g.SetMetadata("learner", "robust:net")
	g.SetMetadata("width", fmt.Sprint(n.Width))
	g.SetMetadata("alpha", fmt.Sprint(n.Alpha))
	g.SetMetadata("centred", fmt.Sprint(n.Center))
	x := g.Input("x", dtype.Float32, Batch, int64(n.D))
	half := func(pfx string, w, b []float64, out float64) string {
		neg := make([]float64, len(w))
		for i, v := range w {
			neg[i] = -v
		}
		wi := Initializer(g, pfx+"W", f32(w), int64(n.Width), int64(n.D))
		ni := Initializer(g, pfx+"minus_W", f32(neg), int64(n.Width), int64(n.D))
		bi := Initializer(g, pfx+"b", f32(b), int64(n.Width))
		p := g.Node("Relu", pfx+"P", []string{g.Node("Gemm", pfx+"xW+b", []string{x, wi, bi}, Int("transB", 1))})
		q := g.Node("Relu", pfx+"Q", []string{g.Node("Gemm", pfx+"-xW+b", []string{x, ni, bi}, Int("transB", 1))})
		a := make([]float64, n.Width)
		for i := range a {
			a[i] = out
		}
		ai := Initializer(g, pfx+"a", f32(a), int64(n.Width), 1)
		return g.Node("MatMul", pfx+"g", []string{g.Node("Sub", pfx+"P-Q", []string{p, q}), ai}, Doc("output weights Alpha*A"))
	}
	f := half("net/", n.W, n.B, n.Alpha*n.A)
	if n.Center {
		f0 := half("init/", n.W0, n.B0, n.Alpha*n.A)
		f = g.Node("Sub", "centred", []string{f, f0}, Doc("Alpha (g - g_0)"))
	}
	g.Node("Reshape", "y", []string{f, Initializer(g, "const/shape_N", []int64{-1}, 1)}, Doc("[N,1] -> [N]"))
	g.Output("y", dtype.Float32, "score: the predicted label is its sign", Batch)
	return g, nil
}

// RobustLinearGraph builds the graph of a train/robust linear model
// y = <w, x> + b, in float32.
func RobustLinearGraph(l *robust.Linear, opset int) (*Graph, error) {
	if err := CheckOpset(opset); err != nil {
		return nil, err
	}
	if l == nil || len(l.W) < 1 {
		return nil, fmt.Errorf("robust linear model: no weights")
	}
	d := len(l.W)
	g := NewGraph("robust-linear")
	g.SetOpset(opset)
	g.SetDoc(fmt.Sprintf("hierlearn linear classifier (train/robust): d=%d", d))
	g.SetMetadata("learner", "robust:linear")
	x := g.Input("x", dtype.Float32, Batch, int64(d))
	w := Initializer(g, "w", f32(l.W), int64(d), 1)
	b := Initializer(g, "b", []float32{float32(l.B)}, 1)
	f := g.Node("Add", "xw+b", []string{g.Node("MatMul", "xw", []string{x, w}), b})
	g.Node("Reshape", "y", []string{f, Initializer(g, "const/shape_N", []int64{-1}, 1)}, Doc("[N,1] -> [N]"))
	g.Output("y", dtype.Float32, "score: the predicted label is its sign", Batch)
	return g, nil
}

// RobustPolyGraph builds the float32 graph of a train/robust polynomial
// kernel predictor, y = ((x C^T)/d + c)^p alpha (KernelGraph computes the
// same in float64, which hierlearn's importer does not run).
func RobustPolyGraph(m *robust.PolyKernel, opset int) (*Graph, error) {
	if err := CheckOpset(opset); err != nil {
		return nil, err
	}
	p := m.P
	k, ok := p.Kernel.(kernel.Poly)
	c, a := p.Centers, p.Alpha
	if !ok || p.D < 1 || c.Cols != p.D || a.Rows != c.Rows || a.Cols != 1 || len(c.Data) != c.Rows*c.Cols || len(a.Data) != a.Rows {
		return nil, fmt.Errorf("robust polynomial kernel: predictor %s does not fit d=%d", p.Kernel, p.D)
	}
	g := NewGraph("robust-poly")
	g.SetOpset(opset)
	g.SetDoc(fmt.Sprintf("hierlearn polynomial kernel classifier (train/robust): %s, %d centers, d=%d", k, c.Rows, p.D))
	g.SetMetadata("learner", "robust:poly")
	g.SetMetadata("kernel", k.String())
	x := g.Input("x", dtype.Float32, Batch, int64(p.D))
	ct := make([]float64, len(c.Data)) // C^T / d, d x m
	for i := range c.Rows {
		for j := range c.Cols {
			ct[j*c.Rows+i] = c.Data[i*c.Cols+j] / float64(p.D)
		}
	}
	dot := g.Node("MatMul", "gram/dot", []string{x, Initializer(g, "centers_T", f32(ct), int64(p.D), int64(c.Rows))})
	base := g.Node("Add", "gram/base", []string{dot, Initializer(g, "c", []float32{float32(k.C)}, 1)})
	gram := powGraph(g, base, k.Degree)
	f := g.Node("MatMul", "scores", []string{gram, Initializer(g, "dual/alpha", f32(a.Data), int64(a.Rows), 1)})
	g.Node("Reshape", "y", []string{f, Initializer(g, "const/shape_N", []int64{-1}, 1)}, Doc("[N,1] -> [N]"))
	g.Output("y", dtype.Float32, "score: the predicted label is its sign", Batch)
	return g, nil
}

// RobustGraph exports any train/robust model: the network, the linear
// model or the polynomial kernel predictor, all in float32.
func RobustGraph(m robust.Model, opset int) (*Graph, error) {
	switch m := m.(type) {
	case *robust.Net:
		return RobustNetGraph(m, opset)
	case *robust.Linear:
		return RobustLinearGraph(m, opset)
	case *robust.PolyKernel:
		return RobustPolyGraph(m, opset)
	}
	return nil, fmt.Errorf("robust model of type %T cannot be exported", m)
}
