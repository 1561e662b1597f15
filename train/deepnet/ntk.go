package deepnet

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// tangent is what the empirical NTK needs of a set of points: the inputs
// H_l of every layer and the per-point gradients G_l = df/dz_l.
type tangent struct {
	rows int
	H, G [][]float64
}

// tangents runs the forward pass and the per-point backward pass
// (df/df = 1 for every point) on rows points x.
func (n *Net) tangents(x []float64, rows int) (*tangent, *state) {
	s := n.forward(x, rows)
	ones := make([]float64, rows)
	for i := range ones {
		ones[i] = 1
	}
	return &tangent{rows: rows, H: s.H, G: n.backward(s, ones, nil, true)}, s
}

// kernel returns the empirical NTK block K[i][j] = <df(a_i)/dW, df(b_j)/dW>
// (a.rows x b.rows, row-major): the sum over layers of
// c_l^2 (G_a G_b^T) .* (H_a H_b^T).
func (n *Net) kernel(a, b *tangent) []float64 {
	k := make([]float64, a.rows*b.rows)
	gg := make([]float64, len(k))
	hh := make([]float64, len(k))
	for l, ly := range n.Layers {
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, gen(a.rows, ly.Out, a.G[l]), gen(b.rows, ly.Out, b.G[l]), 0, gen(a.rows, b.rows, gg))
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, gen(a.rows, ly.In, a.H[l]), gen(b.rows, ly.In, b.H[l]), 0, gen(a.rows, b.rows, hh))
		c2 := ly.C * ly.C
		for i := range k {
			k[i] += c2 * gg[i] * hh[i]
		}
	}
	return k
}
