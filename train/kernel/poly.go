package kernel

import (
	"fmt"
	"math"
	"strconv"
)

// Poly is the polynomial kernel (<x, y>/d + C)^Degree.
type Poly struct {
	Degree int
	C      float64
}

func (k Poly) String() string {
	if k.C == 1 {
		return fmt.Sprintf("poly:%d", k.Degree)
	}
	return fmt.Sprintf("poly:%d:c=%s", k.Degree, strconv.FormatFloat(k.C, 'g', -1, 64))
}

// Gram computes (<a_i, b_j>/d + C)^Degree.
func (k Poly) Gram(a, b Matrix, out []float64) error { dotGram(k, a, b, out); return nil }

func (k Poly) bind(d int) dotKernel { return k }

func (k Poly) lifts(x Matrix) []Matrix              { return []Matrix{scaled(x, 1/math.Sqrt(float64(x.Cols)))} }
func (k Poly) naux() int                            { return 0 }
func (k Poly) aux(l []Matrix, i int, dst []float64) {}
func (k Poly) mapRow(out, g1, ai, bAux []float64) {
	for j, g := range out {
		out[j] = powInt(g+k.C, k.Degree)
	}
}

func powInt(x float64, p int) float64 {
	r := 1.0
	for p > 0 {
		if p&1 == 1 {
			r *= x
		}
		x *= x
		p >>= 1
	}
	return r
}

// scaled returns s·x (a copy).
func scaled(x Matrix, s float64) Matrix {
	out := NewMatrix(x.Rows, x.Cols)
	for i, v := range x.Data {
		out.Data[i] = s * v
	}
	return out
}

// RBF is the Gaussian kernel exp(-Gamma ||x - y||^2); Gamma = 0 means the
// default 1/(2d).
type RBF struct{ Gamma float64 }

func (k RBF) String() string {
	if k.Gamma == 0 {
		return "rbf"
	}
	return "rbf:gamma=" + strconv.FormatFloat(k.Gamma, 'g', -1, 64)
}

// GammaFor returns the gamma used on inputs of dimension d.
func (k RBF) GammaFor(d int) float64 {
	if k.Gamma == 0 {
		return 1 / (2 * float64(max(d, 1)))
	}
	return k.Gamma
}

// Gram computes exp(-gamma ||a_i - b_j||^2).
func (k RBF) Gram(a, b Matrix, out []float64) error {
	dotGram(k.bind(a.Cols), a, b, out)
	return nil
}

func (k RBF) bind(d int) dotKernel { return rbfBound{k.GammaFor(d)} }

// rbfBound is an RBF kernel with its gamma resolved for one dimension.
type rbfBound struct{ gamma float64 }

func (k rbfBound) lifts(x Matrix) []Matrix { return []Matrix{x} }
func (k rbfBound) naux() int               { return 1 }
func (k rbfBound) aux(l []Matrix, i int, dst []float64) {
	dst[0] = dot(l[0].Row(i), l[0].Row(i))
}
func (k rbfBound) mapRow(out, g1, ai, bAux []float64) {
	for j, g := range out {
		d2 := max(ai[0]+bAux[j]-2*g, 0)
		out[j] = math.Exp(-k.gamma * d2)
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
