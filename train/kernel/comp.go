package kernel

import (
	"fmt"
	"math"

	"github.com/hierlearn/hierlearn/concept"
)

// maxCompDepth bounds L for the compositional kernel.
const maxCompDepth = 16

// Comp is the compositional kernel of the HNet architecture with depth L
// and the skip sets of family Skips, at infinite width with random
// Gaussian layer weights (see the package documentation).
type Comp struct {
	L     int
	Skips string
}

func (k Comp) String() string {
	s := fmt.Sprintf("comp:%d", k.L)
	if k.Skips != "" && k.Skips != concept.SkipDefault {
		s += ":" + k.Skips
	}
	return s
}

// SkipSet returns J_l for 2 <= l <= L (concept.Inputs of the family).
func (k Comp) SkipSet(l int) []int { return concept.Inputs(k.Skips, l) }

// Gram computes the kernel block.
func (k Comp) Gram(a, b Matrix, out []float64) error { dotGram(k.bind(a.Cols), a, b, out); return nil }

// Self returns the per-point terms of the recursion, Sigma_l(x, x) for
// l = 2..L, of one point x (the exporter stores them for the centers).
func (k Comp) Self(x []float64) []float64 {
	b := k.bind(len(x)).(compBound)
	out := make([]float64, b.naux())
	b.aux(b.lifts(Matrix{Rows: 1, Cols: len(x), Data: x}), 0, out)
	return out
}

func (k Comp) bind(d int) dotKernel {
	b := compBound{L: k.L, sets: make([][]int, k.L+1)}
	for l := 2; l <= k.L; l++ {
		b.sets[l] = k.SkipSet(l)
	}
	return b
}

// compBound is a Comp kernel with its skip sets computed.
type compBound struct {
	L    int
	sets [][]int
}

func (k compBound) lifts(x Matrix) []Matrix {
	d := x.Cols
	s := 1 / math.Sqrt(float64(max(d, 1)))
	h1 := NewMatrix(x.Rows, d)
	for i, v := range x.Data {
		h1.Data[i] = (v*v - 1) / math.Sqrt2 * s
	}
	return []Matrix{scaled(x, s), h1}
}

func (k compBound) naux() int { return k.L - 1 }

// aux stores Sigma_l(x, x) for l = 2..L.
func (k compBound) aux(l []Matrix, i int, dst []float64) {
	var kk [maxCompDepth + 1]float64
	kk[0] = dot(l[0].Row(i), l[0].Row(i))
	kk[1] = dot(l[1].Row(i), l[1].Row(i))
	for lv := 2; lv <= k.L; lv++ {
		s := k.sigma(lv, &kk)
		dst[lv-2] = s
		kk[lv] = s * s // (s s + 2 s^2)/3
	}
}

// sigma is Sigma_l: the mean of k_j over j in J_l.
func (k compBound) sigma(l int, kk *[maxCompDepth + 1]float64) float64 {
	js := k.sets[l]
	s := 0.0
	for _, j := range js {
		s += kk[j]
	}
	return s / float64(len(js))
}

func (k compBound) mapRow(out, g1, ai, bAux []float64) {
	na := k.L - 1
	var kk [maxCompDepth + 1]float64
	for j := range out {
		kk[0], kk[1] = out[j], g1[j]
		bj := bAux[j*na : (j+1)*na]
		total := 1.0 // the output bias
		for lv := 2; lv <= k.L; lv++ {
			s := k.sigma(lv, &kk)
			kk[lv] = (ai[lv-2]*bj[lv-2] + 2*s*s) / 3
			total += kk[lv]
		}
		out[j] = total
	}
}
