package robust

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Net is the two-layer network of the package doc:
//
//	g(x) = A sum_r [relu(<w_r, x> + b_r) - relu(-<w_r, x> + b_r)]
//	f(x) = Alpha g(x)              (Center false)
//	f(x) = Alpha (g(x) - g_0(x))   (Center true; g_0 the network at W0, B0)
//
// The output weight A = 1/sqrt(Width) is fixed; W and B are trained.
type Net struct {
	D, Width int
	W        []float64 // Width x D, row r is the neuron w_r
	B        []float64 // Width biases
	A        float64   // output weight of every neuron
	Alpha    float64   // output scale (1 for the feature-learning network)
	Center   bool      // subtract the network at initialisation
	W0, B0   []float64 // the weights at initialisation
}

// NewNet draws w_r ~ N(0, (init^2/d) I) row by row from the PCG stream
// (seed, 0x70757269): ||w_r|| is about init. Biases start at bias.
func NewNet(d, width int, init, bias, alpha float64, center bool, seed uint64) *Net {
	rng := rand.New(rand.NewPCG(seed, 0x70757269))
	n := &Net{D: d, Width: width, W: make([]float64, width*d), B: make([]float64, width),
		A: 1 / math.Sqrt(float64(width)), Alpha: alpha, Center: center}
	sd := init / math.Sqrt(float64(d))
	for i := range n.W {
		n.W[i] = sd * rng.NormFloat64()
	}
	for i := range n.B {
		n.B[i] = bias
	}
	n.W0 = append([]float64(nil), n.W...)
	n.B0 = append([]float64(nil), n.B...)
	return n
}

// Dim is the input dimension.
func (n *Net) Dim() int { return n.D }

func gen(rows, cols int, data []float64) blas64.General {
	return blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: data}
}

// preact returns U = X W^T (rows x Width).
func preact(x []float64, rows, d int, w []float64, width int) []float64 {
	u := make([]float64, rows*width)
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, gen(rows, d, x), gen(width, d, w), 0, gen(rows, width, u))
	return u
}

// sym is relu(u + b) - relu(-u + b) and its derivatives in u and b.
func sym(u, b float64) (g, du, db float64) {
	if p := u + b; p > 0 {
		g += p
		du++
		db++
	}
	if q := -u + b; q > 0 {
		g -= q
		du++
		db--
	}
	return g, du, db
}

// half evaluates A sum_r sym(<w_r, x>, b_r) on rows points for one weight
// set; with r non-nil it also returns, scaled by r_t per point, the
// derivative with respect to U (gu, rows x Width) and the bias gradient.
func (n *Net) half(x []float64, rows int, w, b []float64, r []float64) (f, gu, gb []float64) {
	u := preact(x, rows, n.D, w, n.Width)
	f = make([]float64, rows)
	if r != nil {
		gu = make([]float64, rows*n.Width)
		gb = make([]float64, n.Width)
	}
	for t := range rows {
		ut := u[t*n.Width : (t+1)*n.Width]
		s := 0.0
		for j, v := range ut {
			g, du, db := sym(v, b[j])
			s += g
			if r != nil {
				gu[t*n.Width+j] = r[t] * n.A * du
				gb[j] += r[t] * n.A * db
			}
		}
		f[t] = n.A * s
	}
	return f, gu, gb
}

// Scores returns f on rows points x (rows x D).
func (n *Net) Scores(x []float64, rows int) []float64 {
	f, _, _ := n.half(x, rows, n.W, n.B, nil)
	if n.Center {
		f0, _, _ := n.half(x, rows, n.W0, n.B0, nil)
		for t := range f {
			f[t] -= f0[t]
		}
	}
	for t := range f {
		f[t] *= n.Alpha
	}
	return f
}

// InputGrad returns the gradient with respect to x of sum_t r_t f(x_t),
// one row per point (rows x D).
func (n *Net) InputGrad(x []float64, rows int, r []float64) []float64 {
	ra := scaledCopy(r, n.Alpha)
	_, gu, _ := n.half(x, rows, n.W, n.B, ra)
	gx := make([]float64, rows*n.D)
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, gen(rows, n.Width, gu), gen(n.Width, n.D, n.W), 0, gen(rows, n.D, gx))
	if n.Center {
		_, gu0, _ := n.half(x, rows, n.W0, n.B0, ra)
		blas64.Gemm(blas.NoTrans, blas.NoTrans, -1, gen(rows, n.Width, gu0), gen(n.Width, n.D, n.W0), 1, gen(rows, n.D, gx))
	}
	return gx
}

func scaledCopy(r []float64, s float64) []float64 {
	out := make([]float64, len(r))
	for i, v := range r {
		out[i] = s * v
	}
	return out
}
