package robust

import (
	"fmt"

	"github.com/hierlearn/hierlearn/train/kernel"
)

// Model is a binary classifier sign(f(x)) with its input gradient: what
// the attacks need.
type Model interface {
	// Dim is the input dimension.
	Dim() int
	// Scores returns f on rows points x (rows x Dim, row-major).
	Scores(x []float64, rows int) []float64
	// InputGrad returns the gradient with respect to x of
	// sum_t r_t f(x_t), one row per point.
	InputGrad(x []float64, rows int, r []float64) []float64
}

// Linear is the linear model f(x) = <w, x> + b (logistic regression when
// trained by Train).
type Linear struct {
	W []float64
	B float64
}

// Dim is the input dimension.
func (l *Linear) Dim() int { return len(l.W) }

// Scores returns <w, x_t> + b.
func (l *Linear) Scores(x []float64, rows int) []float64 {
	d := len(l.W)
	f := make([]float64, rows)
	for t := range rows {
		s := l.B
		for i, v := range x[t*d : (t+1)*d] {
			s += l.W[i] * v
		}
		f[t] = s
	}
	return f
}

// InputGrad returns r_t w for every point.
func (l *Linear) InputGrad(x []float64, rows int, r []float64) []float64 {
	d := len(l.W)
	g := make([]float64, rows*d)
	for t := range rows {
		for i, w := range l.W {
			g[t*d+i] = r[t] * w
		}
	}
	return g
}

// PolyKernel is a polynomial kernel predictor of train/kernel in the dual
// form, f(x) = sum_i alpha_i (<x, c_i>/d + C)^p, with its input gradient
// in closed form:
//
//	grad f(x) = sum_i alpha_i p (<x, c_i>/d + C)^(p-1) c_i / d
type PolyKernel struct {
	P *kernel.Predictor
	k kernel.Poly
}

// NewPolyKernel wraps a fitted binary (one output) predictor of a
// polynomial kernel in the dual form.
func NewPolyKernel(p *kernel.Predictor) (*PolyKernel, error) {
	k, ok := p.Kernel.(kernel.Poly)
	if !ok {
		return nil, fmt.Errorf("robust: kernel %s is not a polynomial kernel", p.Kernel)
	}
	if p.Form != kernel.FormDual || p.Alpha.Cols != 1 || p.Centers.Cols != p.D {
		return nil, fmt.Errorf("robust: want a one-output dual-form predictor, have form %q with %d outputs", p.Form, p.Alpha.Cols)
	}
	return &PolyKernel{P: p, k: k}, nil
}

// Dim is the input dimension.
func (m *PolyKernel) Dim() int { return m.P.D }

// gram returns the inner terms <x_t, c_i>/d + C (rows x centers).
func (m *PolyKernel) gram(x []float64, rows int) []float64 {
	c := m.P.Centers
	g := preact(x, rows, m.P.D, c.Data, c.Rows)
	inv := 1 / float64(m.P.D)
	for i := range g {
		g[i] = g[i]*inv + m.k.C
	}
	return g
}

// Scores returns f on rows points.
func (m *PolyKernel) Scores(x []float64, rows int) []float64 {
	g := m.gram(x, rows)
	nc, a := m.P.Centers.Rows, m.P.Alpha.Data
	f := make([]float64, rows)
	for t := range rows {
		s := 0.0
		for i, v := range g[t*nc : (t+1)*nc] {
			s += a[i] * powInt(v, m.k.Degree)
		}
		f[t] = s
	}
	return f
}

// InputGrad returns the gradient of sum_t r_t f(x_t) in closed form.
func (m *PolyKernel) InputGrad(x []float64, rows int, r []float64) []float64 {
	g := m.gram(x, rows)
	nc, a, p := m.P.Centers.Rows, m.P.Alpha.Data, m.k.Degree
	scale := float64(p) / float64(m.P.D)
	for t := range rows {
		row := g[t*nc : (t+1)*nc]
		for i, v := range row {
			row[i] = r[t] * a[i] * scale * powInt(v, p-1)
		}
	}
	gx := make([]float64, rows*m.P.D)
	blas64Gemm(rows, nc, m.P.D, g, m.P.Centers.Data, gx)
	return gx
}

func powInt(x float64, p int) float64 {
	out := 1.0
	for range p {
		out *= x
	}
	return out
}
