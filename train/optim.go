package train

import "math"

// Adam hyper-parameters (PyTorch's defaults).
const (
	adamBeta1 = 0.9
	adamBeta2 = 0.999
	adamEps   = 1e-8
	warmup    = 0.05
)

// oneCycle is the learning rate of step t (0-based) of a stage of T steps:
// linear warm-up from peak/W to peak over the first W = ceil(0.05 T)
// steps, then cosine decay from peak towards 0:
// peak * (1 + cos(pi (t - W + 1) / (T - W + 1))) / 2.
func oneCycle(peak float64, t, T int) float64 {
	w := int(math.Ceil(warmup * float64(T)))
	if t < w {
		return peak * float64(t+1) / float64(w)
	}
	return peak * 0.5 * (1 + math.Cos(math.Pi*float64(t-w+1)/float64(T-w+1)))
}

// adam is Adam over the ranges of a flat parameter vector.
type adam[T Float] struct {
	m, v []T
	t    int
}

func newAdam[T Float](n int) *adam[T] { return &adam[T]{m: make([]T, n), v: make([]T, n)} }

func (o *adam[T]) reset() { clear(o.m); clear(o.v); o.t = 0 }

// clip scales g on the ranges so that their joint Euclidean norm is at
// most maxNorm (PyTorch's clip_grad_norm_: factor maxNorm/(norm+1e-6)
// when below 1) and returns the norm before clipping.
func clip[T Float](g []T, ranges [][2]int, maxNorm float64) float64 {
	var ss float64
	for _, r := range ranges {
		for _, v := range g[r[0]:r[1]] {
			ss += float64(v) * float64(v)
		}
	}
	norm := math.Sqrt(ss)
	if c := maxNorm / (norm + 1e-6); c < 1 {
		for _, r := range ranges {
			for i := r[0]; i < r[1]; i++ {
				g[i] = T(float64(g[i]) * c)
			}
		}
	}
	return norm
}

// step applies one Adam step with learning rate lr to p on the ranges.
func (o *adam[T]) step(p, g []T, ranges [][2]int, lr float64) {
	o.t++
	bc1 := 1 - math.Pow(adamBeta1, float64(o.t))
	bc2 := math.Sqrt(1 - math.Pow(adamBeta2, float64(o.t)))
	for _, r := range ranges {
		for i := r[0]; i < r[1]; i++ {
			gi := float64(g[i])
			m := adamBeta1*float64(o.m[i]) + (1-adamBeta1)*gi
			v := adamBeta2*float64(o.v[i]) + (1-adamBeta2)*gi*gi
			o.m[i], o.v[i] = T(m), T(v)
			p[i] = T(float64(p[i]) - lr*(m/bc1)/(math.Sqrt(v)/bc2+adamEps))
		}
	}
}
