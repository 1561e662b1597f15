package importer

import (
	"math"
	"runtime"

	"github.com/hierlearn/hierlearn/internal/numeric/vec"
)

// bnPlanes is training-mode BatchNormalization over an input [N, C, ...]
// laid out as N*C contiguous planes of hw values: each channel's
// statistics gather its N planes. It computes what normSpec would with
// one group per channel, in tight loops over planes, channels split over
// GOMAXPROCS workers: normSpec's generic strided walk made training-mode
// BN most of a ResNet-20 training step.
type bnPlanes struct {
	n, c, hw int
	eps      float64
}

func newBNPlanes(shape []int, eps float64) *bnPlanes {
	hw := 1
	for _, d := range shape[2:] {
		hw *= d
	}
	return &bnPlanes{n: shape[0], c: shape[1], hw: hw, eps: eps}
}

// count is the number of values behind each channel's statistics.
func (b *bnPlanes) count() int { return b.n * b.hw }

// forChannels runs fn on channel ranges, concurrently for big inputs.
func (b *bnPlanes) forChannels(fn func(lo, hi int)) {
	parallel(runtime.GOMAXPROCS(0), b.c, b.n*b.c*b.hw >= 1<<15, func(_, lo, hi int) { fn(lo, hi) })
}

// plane returns channel c's plane of image i in x.
func (b *bnPlanes) plane(x []float32, i, c int) []float32 {
	o := (i*b.c + c) * b.hw
	return x[o : o+b.hw]
}

// channelStats returns channel c's mean and biased variance (two passes:
// each plane summed in float32 by vec, the planes' sums in float64).
func (b *bnPlanes) channelStats(x []float32, c int) (mean, variance float64) {
	var s float64
	for i := 0; i < b.n; i++ {
		s += float64(vec.Sum(b.plane(x, i, c)))
	}
	mean = s / float64(b.count())
	m := float32(mean)
	var q float64
	for i := 0; i < b.n; i++ {
		q += float64(vec.SumSquaredDeviation(b.plane(x, i, c), m))
	}
	return mean, q / float64(b.count())
}

// stats returns every channel's mean and 1/sqrt(var + eps), as
// normSpec.stats does.
func (b *bnPlanes) stats(x []float32) (mean, inv []float64) {
	mean, inv = make([]float64, b.c), make([]float64, b.c)
	b.forChannels(func(lo, hi int) {
		for c := lo; c < hi; c++ {
			m, v := b.channelStats(x, c)
			mean[c], inv[c] = m, 1/math.Sqrt(v+b.eps)
		}
	})
	return mean, inv
}

// run writes scale*(x - mean)*inv + bias into y and returns the
// statistics.
func (b *bnPlanes) run(x, y, scale, bias []float32) (mean, inv []float64) {
	mean, inv = make([]float64, b.c), make([]float64, b.c)
	b.forChannels(func(lo, hi int) {
		for c := lo; c < hi; c++ {
			m, v := b.channelStats(x, c)
			mean[c], inv[c] = m, 1/math.Sqrt(v+b.eps)
			a := float32(float64(scale[c]) * inv[c])
			sh := float32(float64(bias[c]) - m*float64(scale[c])*inv[c])
			for i := 0; i < b.n; i++ {
				vec.Affine(b.plane(y, i, c), b.plane(x, i, c), a, sh)
			}
		}
	})
	return mean, inv
}

// back accumulates the gradients of x, scale and bias (any may be nil)
// from gy, given the batch statistics of x: with x̂ = (x - mean)*inv,
// gbias = Σ gy, gscale = Σ gy·x̂ and gx = scale*inv*(gy - mean(gy) -
// x̂*mean(gy·x̂)).
func (b *bnPlanes) back(x, gy, scale []float32, st bnStats, gx, gs, gb []float32) {
	mean, inv := st.mean, st.inv
	M := float64(b.count())
	b.forChannels(func(lo, hi int) {
		for c := lo; c < hi; c++ {
			m := float32(mean[c])
			var sg, sgx float64 // Σ gy and Σ gy·(x - mean)
			for i := 0; i < b.n; i++ {
				p, q := vec.SumAndDotDeviation(b.plane(gy, i, c), b.plane(x, i, c), m)
				sg += float64(p)
				sgx += float64(q)
			}
			if gb != nil {
				gb[c] += float32(sg)
			}
			if gs != nil {
				gs[c] += float32(sgx * inv[c])
			}
			if gx == nil {
				continue
			}
			// gx = A*gy + B*(x - mean) + C0
			k := float64(scale[c]) * inv[c]
			A := float32(k)
			B := float32(-k * inv[c] * inv[c] * sgx / M)
			C0 := float32(-k * sg / M)
			for i := 0; i < b.n; i++ {
				vec.AddAffineDeviation(b.plane(gx, i, c), b.plane(gy, i, c), b.plane(x, i, c), A, B, m, C0)
			}
		}
	})
}
