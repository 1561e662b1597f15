package robust

import (
	"fmt"
	"math"
	"slices"
)

// ProfileLen is the number of sorted coefficients in a Decomposition's
// Profile.
const ProfileLen = 20

// DefaultTopK is the number of dictionary coefficients of a neuron counted
// as its "pure" part.
const DefaultTopK = 3

// Neuron is the decomposition of one neuron w_r in the dictionary's basis,
// c = M^T w_r: its TopK largest coefficients in absolute value are the
// pure part, the rest the dense mixture.
type Neuron struct {
	Norm float64 `json:"norm"` // ||w_r||
	Bias float64 `json:"bias"`
	// Pure and Dense are the l2 norms of the top-k coefficients and of the
	// remainder; Ratio = Dense/Pure, the dense-mixture ratio.
	Pure  float64 `json:"pure"`
	Dense float64 `json:"dense"`
	Ratio float64 `json:"ratio"`
	// Effective is the participation number (sum c_i^2)^2 / sum c_i^4:
	// 1 for a single atom, d for equal weight on all.
	Effective float64 `json:"effective"`
	// CosInit is the cosine between w_r and its initial weights.
	CosInit float64 `json:"cos_init"`
	// Top holds the top-k |c_i| / ||c||, largest first.
	Top []float64 `json:"top"`
}

// Decomposition summarises every neuron of a network (see Neuron).
type Decomposition struct {
	TopK    int      `json:"top_k"`
	Neurons []Neuron `json:"neurons"`
	// MixtureRatio is the layer's dense-mixture ratio: the norm of all
	// neurons' dense parts over the norm of all their pure parts (large
	// neurons weigh more than in the per-neuron median).
	MixtureRatio float64 `json:"mixture_ratio"`
	// MedianRatio, MedianEffective and MedianCosInit are medians over
	// neurons.
	MedianRatio     float64 `json:"median_ratio"`
	MedianEffective float64 `json:"median_effective"`
	MedianCosInit   float64 `json:"median_cos_init"`
	// TopMass is the fraction of sum_r ||w_r||^2 in the pure parts.
	TopMass float64 `json:"top_mass"`
	// Profile is the mean over neurons of the sorted |c_i| / ||c||,
	// largest first, for the first ProfileLen coefficients.
	Profile []float64 `json:"profile"`
}

// Decompose decomposes every neuron of n in the basis of the orthonormal
// dictionary m (d x d row-major, atoms in the columns), keeping the top k
// coefficients (k <= 0 means DefaultTopK).
func Decompose(n *Net, m []float64, k int) (Decomposition, error) {
	d := n.D
	if len(m) != d*d {
		return Decomposition{}, fmt.Errorf("%w: dictionary has %d values, want %d x %d", ErrConfig, len(m), d, d)
	}
	if k <= 0 {
		k = DefaultTopK
	}
	k = min(k, d)
	// C = W M: row r is c_r = M^T w_r.
	c := make([]float64, n.Width*d)
	blas64Gemm(n.Width, d, d, n.W, m, c)
	out := Decomposition{TopK: k, Profile: make([]float64, min(ProfileLen, d))}
	var ratios, effs, coss []float64
	var pureSS, denseSS float64
	abs := make([]float64, d)
	for r := range n.Width {
		cr := c[r*d : (r+1)*d]
		ss, s4 := 0.0, 0.0
		for i, v := range cr {
			abs[i] = math.Abs(v)
			ss += v * v
			s4 += v * v * v * v
		}
		slices.Sort(abs)
		for j := range out.Profile {
			if ss > 0 {
				out.Profile[j] += abs[d-1-j] / math.Sqrt(ss) / float64(n.Width)
			}
		}
		top := 0.0
		nr := Neuron{Norm: math.Sqrt(ss), Bias: n.B[r], Top: make([]float64, k)}
		for j := range k {
			v := abs[d-1-j]
			top += v * v
			if ss > 0 {
				nr.Top[j] = v / math.Sqrt(ss)
			}
		}
		nr.Pure, nr.Dense = math.Sqrt(top), math.Sqrt(max(0, ss-top))
		if nr.Pure > 0 {
			nr.Ratio = nr.Dense / nr.Pure
		}
		if s4 > 0 {
			nr.Effective = ss * ss / s4
		}
		nr.CosInit = cosine(n.W[r*d:(r+1)*d], n.W0[r*d:(r+1)*d])
		pureSS += top
		denseSS += max(0, ss-top)
		out.Neurons = append(out.Neurons, nr)
		ratios = append(ratios, nr.Ratio)
		effs = append(effs, nr.Effective)
		coss = append(coss, nr.CosInit)
	}
	if pureSS > 0 {
		out.MixtureRatio = math.Sqrt(denseSS / pureSS)
		out.TopMass = pureSS / (pureSS + denseSS)
	}
	out.MedianRatio, out.MedianEffective, out.MedianCosInit = median(ratios), median(effs), median(coss)
	return out, nil
}

func cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
