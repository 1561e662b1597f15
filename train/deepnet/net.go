package deepnet

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Net is a deep ReLU network without biases (see the package doc).
type Net struct {
	Layers []Layer
}

// Layer is one weight matrix W (Out x In, row-major) and its forward
// multiplier C: z = C W h.
type Layer struct {
	In, Out int
	C       float64
	W       []float64
}

// NewNet draws a network of the config's parameterisation for inputs of
// dimension d.
func NewNet(c Config, d int) *Net {
	rng := rand.New(rand.NewPCG(c.Seed, 0xdee9))
	L := c.Depth
	net := &Net{Layers: make([]Layer, L)}
	for l := range L {
		in, out, gain := c.Width, c.Width, 2.0
		if l == 0 {
			in = d
		}
		if l == L-1 {
			out, gain = 1, 1
		}
		sd, mult := 1.0, math.Sqrt(gain/float64(in))
		switch {
		case c.Param == Standard:
			sd, mult = mult, 1
		case c.Param == MeanField && l == L-1:
			mult = 1 / float64(in)
		}
		w := make([]float64, out*in)
		for i := range w {
			w[i] = sd * rng.NormFloat64()
		}
		net.Layers[l] = Layer{In: in, Out: out, C: mult, W: w}
	}
	return net
}

// Clone is a deep copy.
func (n *Net) Clone() *Net {
	out := &Net{Layers: make([]Layer, len(n.Layers))}
	for i, l := range n.Layers {
		l.W = append([]float64(nil), l.W...)
		out.Layers[i] = l
	}
	return out
}

// state holds a forward pass over rows points: H[l] the input of layer l
// (H[0] = x, rows x In), Z[l] its pre-activations (rows x Out); F = Z[L-1].
type state struct {
	rows int
	H, Z [][]float64
	back [][]float64 // backward's buffers, reused when set (and G_l not kept)
}

func (s *state) output() []float64 { return s.Z[len(s.Z)-1] }

func gen(rows, cols int, data []float64) blas64.General {
	return blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: data}
}

// forward evaluates the network on rows points x (rows x d).
func (n *Net) forward(x []float64, rows int) *state { return n.forwardInto(x, rows, nil) }

// resize returns buf with length m, reusing its storage when it can.
func resize(buf []float64, m int) []float64 {
	if cap(buf) >= m {
		return buf[:m]
	}
	return make([]float64, m)
}

// forwardInto is forward reusing the buffers of s (nil: fresh ones); the
// training loop passes the same state every step.
func (n *Net) forwardInto(x []float64, rows int, s *state) *state {
	L := len(n.Layers)
	if s == nil || len(s.Z) != L {
		s = &state{H: make([][]float64, L), Z: make([][]float64, L)}
	}
	s.rows = rows
	h := x
	for l, ly := range n.Layers {
		s.H[l] = h
		z := resize(s.Z[l], rows*ly.Out)
		blas64.Gemm(blas.NoTrans, blas.Trans, ly.C, gen(rows, ly.In, h), gen(ly.Out, ly.In, ly.W), 0, gen(rows, ly.Out, z))
		s.Z[l] = z
		if l < L-1 {
			var hb []float64
			if cap(s.H[l+1]) >= len(z) {
				hb = s.H[l+1]
			}
			h = resize(hb, len(z))
			for i, v := range z {
				h[i] = max(v, 0)
			}
		}
	}
	return s
}

// backward propagates g = dLoss/df (one value a point) through the pass s.
// It adds dLoss/dW_l into grads[l] when grads is non-nil, and returns
// G_l = dLoss/dz_l (rows x Out) of every layer when keep is set.
func (n *Net) backward(s *state, g []float64, grads [][]float64, keep bool) [][]float64 {
	L := len(n.Layers)
	var gs [][]float64
	if keep {
		gs = make([][]float64, L)
	}
	cur := g
	for l := L - 1; l >= 0; l-- {
		ly := n.Layers[l]
		if keep {
			gs[l] = cur
		}
		if grads != nil {
			blas64.Gemm(blas.Trans, blas.NoTrans, ly.C, gen(s.rows, ly.Out, cur), gen(s.rows, ly.In, s.H[l]), 1, gen(ly.Out, ly.In, grads[l]))
		}
		if l == 0 {
			break
		}
		var prev []float64
		if !keep && s.back != nil {
			prev = resize(s.back[l-1], s.rows*ly.In)
			s.back[l-1] = prev
		} else {
			prev = make([]float64, s.rows*ly.In)
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, ly.C, gen(s.rows, ly.Out, cur), gen(ly.Out, ly.In, ly.W), 0, gen(s.rows, ly.In, prev))
		for i, z := range s.Z[l-1] {
			if z <= 0 {
				prev[i] = 0
			}
		}
		cur = prev
	}
	return gs
}

// Predict returns f on rows points x (rows x d).
func (n *Net) Predict(x []float64, rows int) []float64 {
	return n.forward(x, rows).output()
}
