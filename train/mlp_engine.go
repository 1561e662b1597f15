package train

import (
	"math"
	"math/rand/v2"
)

// mlp is the training engine of a ReLU MLP in precision T. sizes are the
// layer widths [d, h_1, ..., h_m, 1]; the parameters are one flat vector
// holding, layer by layer, W (out x in, row-major) then its bias (out).
type mlp[T Float] struct {
	sizes  []int
	params []T
	wOff   []int
	bOff   []int
}

func newMLPEngine[T Float](sizes []int) *mlp[T] {
	m := &mlp[T]{sizes: sizes}
	off := 0
	for i := 0; i+1 < len(sizes); i++ {
		m.wOff = append(m.wOff, off)
		off += sizes[i] * sizes[i+1]
		m.bOff = append(m.bOff, off)
		off += sizes[i+1]
	}
	m.params = make([]T, off)
	return m
}

// init draws W entries N(0, 2/fan_in) (He) for hidden layers and
// N(0, 1/fan_in) for the output layer; biases 0.
func (m *mlp[T]) init(rng *rand.Rand) {
	for i := 0; i+1 < len(m.sizes); i++ {
		in, out := m.sizes[i], m.sizes[i+1]
		v := 2.0
		if i+2 == len(m.sizes) {
			v = 1
		}
		sd := math.Sqrt(v / float64(in))
		w := m.params[m.wOff[i] : m.wOff[i]+in*out]
		for j := range w {
			w[j] = T(rng.NormFloat64() * sd)
		}
	}
}

type mlpBuffers[T Float] struct {
	n    int
	act  [][]T // act[0] = x, act[i] = layer i's output (post-ReLU for hidden)
	dact [][]T
	grad []T
	df   []T
}

func newMLPBuffers[T Float](m *mlp[T], n int) *mlpBuffers[T] {
	b := &mlpBuffers[T]{n: n, grad: make([]T, len(m.params)), df: make([]T, n)}
	for _, s := range m.sizes {
		b.act = append(b.act, make([]T, n*s))
		b.dact = append(b.dact, make([]T, n*s))
	}
	return b
}

// forward computes the outputs of the first n rows of b.act[0] into
// b.act[last].
func (m *mlp[T]) forward(b *mlpBuffers[T], n int) {
	last := len(m.sizes) - 1
	for i := 0; i < last; i++ {
		in, out := m.sizes[i], m.sizes[i+1]
		y := b.act[i+1][:n*out]
		bias := m.params[m.bOff[i] : m.bOff[i]+out]
		for r := 0; r < n; r++ {
			copy(y[r*out:(r+1)*out], bias)
		}
		gemm(false, true, n, out, in, 1, b.act[i], in, m.params[m.wOff[i]:], in, 1, y, out)
		if i+1 < last {
			for j, v := range y {
				if v < 0 {
					y[j] = 0
				}
			}
		}
	}
}

// backward computes b.grad from b.df (derivative of the loss with respect
// to the outputs).
func (m *mlp[T]) backward(b *mlpBuffers[T], n int) {
	last := len(m.sizes) - 1
	copy(b.dact[last][:n], b.df[:n])
	for i := last - 1; i >= 0; i-- {
		in, out := m.sizes[i], m.sizes[i+1]
		dy := b.dact[i+1][:n*out]
		if i+1 < last {
			y := b.act[i+1][:n*out]
			for j, v := range y {
				if v <= 0 {
					dy[j] = 0
				}
			}
		}
		gemm(true, false, out, in, n, 1, dy, out, b.act[i], in, 0, b.grad[m.wOff[i]:], in)
		gb := b.grad[m.bOff[i] : m.bOff[i]+out]
		clear(gb)
		for r := 0; r < n; r++ {
			for c, v := range dy[r*out : (r+1)*out] {
				gb[c] += v
			}
		}
		if i > 0 {
			gemm(false, false, n, in, out, 1, dy, out, m.params[m.wOff[i]:], in, 0, b.dact[i], in)
		}
	}
}
