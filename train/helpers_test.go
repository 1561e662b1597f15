package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
)

// toyData draws n points of a small hierarchical quadratic concept (test
// only, a crude version of the concept class): d inputs, depth L, width k,
// default skip sets, output weights 1, 0.3, 0.09, ...; the features of
// every layer are standardised with statistics of the same sample, which
// is good enough for tests. The concept's weights depend on seed only.
func toyData(t testing.TB, n, d, L, k int, seed, sampleSeed uint64) *concept.Dataset {
	t.Helper()
	wr := rand.New(rand.NewPCG(seed, 99))
	xr := rand.New(rand.NewPCG(sampleSeed, 7))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = xr.NormFloat64()
	}
	h := [][]float64{x, make([]float64, n*d)}
	dims := []int{d, d}
	for i, v := range x {
		h[1][i] = (v*v - 1) / math.Sqrt2
	}
	y := make([]float64, n)
	data := &concept.Dataset{Task: concept.TaskRegression, N: n, D: d, X: x, Y: y}
	alpha := 1.0
	for l := 2; l <= L; l++ {
		skip := DefaultSkips(L)[l-2]
		s := make([]float64, n*k)
		for c := 0; c < k; c++ {
			for _, j := range skip {
				for i := 0; i < dims[j]; i++ {
					w := wr.NormFloat64() / math.Sqrt(float64(dims[j]))
					for r := 0; r < n; r++ {
						s[r*k+c] += w * h[j][r*dims[j]+i]
					}
				}
			}
		}
		standardise(s, n, k)
		g := make([]float64, n*k)
		for i, v := range s {
			g[i] = v * v
			y[i/k] += alpha * v * v
		}
		standardise(g, n, k)
		h = append(h, g)
		dims = append(dims, k)
		data.Hidden = append(data.Hidden, s)
		data.HiddenWidths = append(data.HiddenWidths, k)
		alpha *= 0.3
	}
	standardise(y, n, 1)
	return data
}

// standardise makes every column of the n x k matrix a zero-mean,
// unit-variance one.
func standardise(a []float64, n, k int) {
	for c := 0; c < k; c++ {
		var m, v float64
		for r := 0; r < n; r++ {
			m += a[r*k+c]
		}
		m /= float64(n)
		for r := 0; r < n; r++ {
			v += (a[r*k+c] - m) * (a[r*k+c] - m)
		}
		sd := math.Sqrt(v / float64(n))
		for r := 0; r < n; r++ {
			a[r*k+c] = (a[r*k+c] - m) / sd
		}
	}
}

// toySplit draws one toy sample and splits it into a training set of nTr
// points and a test set of nTe, so that both share the standardisation.
func toySplit(t testing.TB, nTr, nTe, d, L, k int, seed uint64) (tr, te *concept.Dataset) {
	all := toyData(t, nTr+nTe, d, L, k, seed, seed+1)
	part := func(lo, hi int) *concept.Dataset {
		p := &concept.Dataset{Task: all.Task, N: hi - lo, D: d, X: all.X[lo*d : hi*d], Y: all.Y[lo:hi], HiddenWidths: all.HiddenWidths}
		for i, h := range all.Hidden {
			kk := all.HiddenWidths[i]
			p.Hidden = append(p.Hidden, h[lo*kk:hi*kk])
		}
		return p
	}
	return part(0, nTr), part(nTr, nTr+nTe)
}
