package kernel

import (
	"fmt"
	"math"
)

// ReLU is the neural tangent kernel (NTK) or the Gaussian-process kernel
// (NNGP) of a fully connected ReLU network with Depth layers (Depth-1
// hidden layers) at infinite width, on the inputs z = [x/sqrt(d), 1].
// See the package documentation for the recursion.
type ReLU struct {
	Depth int
	NNGP  bool // the NNGP (last hidden layer's covariance) instead of the NTK
}

func (k ReLU) String() string {
	if k.NNGP {
		return fmt.Sprintf("nngp:%d", k.Depth)
	}
	return fmt.Sprintf("ntk:%d", k.Depth)
}

// Gram computes the kernel block.
func (k ReLU) Gram(a, b Matrix, out []float64) error { dotGram(k, a, b, out); return nil }

func (k ReLU) bind(d int) dotKernel { return k }

func (k ReLU) lifts(x Matrix) []Matrix { return []Matrix{inputLift(x)} }
func (k ReLU) naux() int               { return 1 }
func (k ReLU) aux(l []Matrix, i int, dst []float64) {
	dst[0] = dot(l[0].Row(i), l[0].Row(i))
}
func (k ReLU) mapRow(out, g1, ai, bAux []float64) {
	for j, g := range out {
		out[j] = reluKernel(g, ai[0], bAux[j], k.Depth, k.NNGP)
	}
}

// reluKernel runs the arc-cosine recursion from Sigma^0 = s (with
// diagonals sxx, syy, which the c_sigma = 2 normalisation keeps fixed).
func reluKernel(s, sxx, syy float64, depth int, nngp bool) float64 {
	norm := math.Sqrt(sxx * syy)
	theta := s // Theta^0 = Sigma^0
	for h := 1; h < depth; h++ {
		rho := 0.0
		if norm > 0 {
			rho = min(max(s/norm, -1), 1)
		}
		t := math.Acos(rho)
		sNew := norm / math.Pi * (math.Sqrt(1-rho*rho) + (math.Pi-t)*rho)
		sDot := (math.Pi - t) / math.Pi
		theta = theta*sDot + sNew
		s = sNew
	}
	if nngp {
		return s
	}
	return theta
}

// inputLift returns z = [x/sqrt(d), 1] for every row of x.
func inputLift(x Matrix) Matrix {
	d := x.Cols
	z := NewMatrix(x.Rows, d+1)
	s := 1 / math.Sqrt(float64(max(d, 1)))
	for i := 0; i < x.Rows; i++ {
		zi, xi := z.Row(i), x.Row(i)
		for j, v := range xi {
			zi[j] = s * v
		}
		zi[d] = 1
	}
	return z
}
