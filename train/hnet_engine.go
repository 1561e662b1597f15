package train

import (
	"math"
	"math/rand/v2"
)

// normMomentum is the EMA momentum of the running statistics of N_l.
const normMomentum = 0.02

var invSqrt2 = 1 / math.Sqrt2

// hnet is the training engine of an HNet in precision T: the parameters
// as one flat vector (K_2..K_L row-major, then a_2..a_L, then b), the
// fixed lifts R_l and the running statistics of N_l.
type hnet[T Float] struct {
	arch   Arch
	params []T
	kOff   []int // kOff[l]: offset of K_l in params (index by layer)
	aOff   int   // a_l at params[aOff+l-2]
	bOff   int
	lift   [][]T // lift[l]: R_l, LiftDim(l) x Width(l) row-major (l < L)
	mean   [][]T // mean[l], vr[l]: running statistics of N_l (l < L)
	vr     [][]T
	inited []bool // inited[l]: N_l's statistics have seen a batch
}

// newHNetEngine lays out the parameters of arch, all zero.
func newHNetEngine[T Float](arch Arch) *hnet[T] {
	L := arch.L
	m := &hnet[T]{arch: arch, kOff: make([]int, L+2),
		lift: make([][]T, L+1), mean: make([][]T, L+1), vr: make([][]T, L+1), inited: make([]bool, L+1)}
	off := 0
	for l := 2; l <= L; l++ {
		m.kOff[l] = off
		off += arch.Width(l) * arch.FanIn(l)
	}
	m.kOff[L+1] = off
	m.aOff = off
	off += L - 1
	m.bOff = off
	off++
	m.params = make([]T, off)
	for l := 2; l < L; l++ {
		md := arch.LiftDim(l)
		m.lift[l] = make([]T, md*arch.Width(l))
		m.mean[l] = make([]T, md)
		m.vr[l] = make([]T, md)
		for i := range m.vr[l] {
			m.vr[l][i] = 1
		}
	}
	return m
}

// initHNet draws the initial parameters and the lifts from rng: K_l
// entries N(0, 1/FanIn(l)) with the deep block K_{l,l-1} (l >= 3) scaled
// by 0.1; R_l rows N(0, I) normalised to unit length; a_l = 1/k'_l; b = 0.
// Draw order: K_2..K_L (row-major), then R_2..R_{L-1} (row-major).
func (m *hnet[T]) init(rng *rand.Rand) {
	a := m.arch
	for l := 2; l <= a.L; l++ {
		m.drawLayer(l, rng)
	}
	m.params[m.bOff] = 0
	for l := 2; l < a.L; l++ {
		k := a.Width(l)
		R := m.lift[l]
		for r := 0; r < a.LiftDim(l); r++ {
			row := make([]float64, k)
			var ss float64
			for c := range row {
				row[c] = rng.NormFloat64()
				ss += row[c] * row[c]
			}
			for c := range row {
				R[r*k+c] = T(row[c] / math.Sqrt(ss))
			}
		}
	}
}

// drawLayer draws K_l from rng (entries N(0, 1/FanIn(l)) row-major, the
// deep block K_{l,l-1} scaled by 0.1 for l >= 3) and sets a_l = 1/k'_l.
func (m *hnet[T]) drawLayer(l int, rng *rand.Rand) {
	a := m.arch
	K := m.k(l)
	fan := a.FanIn(l)
	sd := 1 / math.Sqrt(float64(fan))
	for r := 0; r < a.Width(l); r++ {
		col := 0
		for _, j := range a.Skip(l) {
			scale := sd
			if l >= 3 && j == l-1 {
				scale *= 0.1
			}
			for c := 0; c < a.InDim(j); c++ {
				K[r*fan+col] = T(rng.NormFloat64() * scale)
				col++
			}
		}
	}
	m.params[m.aOff+l-2] = T(1 / float64(a.Width(l)))
}

func (m *hnet[T]) k(l int) []T { return m.params[m.kOff[l]:m.kOff[l+1]] }

// buffers are the activations and gradients of one batch size.
type buffers[T Float] struct {
	n     int
	h     [][]T // h[j]: n x InDim(j), j = 0..L-1
	s     [][]T // s[l]: n x Width(l)
	z     [][]T // z[l]: n x LiftDim(l), the lift R_l S_l
	f     []T   // output, n
	df    []T
	dh    [][]T
	ds    [][]T
	dz    [][]T
	grad  []T
	batch []float64 // scratch for statistics
}

func newBuffers[T Float](m *hnet[T], n int) *buffers[T] {
	a := m.arch
	L := a.L
	b := &buffers[T]{n: n, h: make([][]T, L+1), s: make([][]T, L+1), z: make([][]T, L+1),
		dh: make([][]T, L+1), ds: make([][]T, L+1), dz: make([][]T, L+1),
		f: make([]T, n), df: make([]T, n), grad: make([]T, len(m.params))}
	for j := 0; j < L; j++ {
		b.h[j] = make([]T, n*a.InDim(j))
		b.dh[j] = make([]T, n*a.InDim(j))
	}
	for l := 2; l <= L; l++ {
		b.s[l] = make([]T, n*a.Width(l))
		b.ds[l] = make([]T, n*a.Width(l))
		if l < L {
			b.z[l] = make([]T, n*a.LiftDim(l))
			b.dz[l] = make([]T, n*a.LiftDim(l))
		}
	}
	maxLift := 1
	for l := 2; l < L; l++ {
		maxLift = max(maxLift, 2*a.LiftDim(l))
	}
	b.batch = make([]float64, maxLift)
	return b
}

// forward computes the output of the first n rows whose inputs are in
// b.h[0] with the output terms of layers 2..top switched on. H_l is
// computed for l <= min(top, L-1). When updateFrom <= l <= top, N_l's
// running statistics are first updated with this batch (EMA of the
// detached batch mean and population variance; the first batch sets them).
func (m *hnet[T]) forward(b *buffers[T], n, top, updateFrom int) {
	a := m.arch
	d := a.D
	x, h1 := b.h[0][:n*d], b.h[1][:n*d]
	for i, v := range x {
		h1[i] = (v*v - 1) * T(invSqrt2)
	}
	f := b.f[:n]
	for i := range f {
		f[i] = m.params[m.bOff]
	}
	for l := 2; l <= top; l++ {
		k, fan := a.Width(l), a.FanIn(l)
		K := m.k(l)
		s := b.s[l][:n*k]
		off := 0
		for i, j := range a.Skip(l) {
			dj := a.InDim(j)
			beta := T(1)
			if i == 0 {
				beta = 0
			}
			gemm(false, true, n, k, dj, 1, b.h[j], dj, K[off:], fan, beta, s, k)
			off += dj
		}
		al := m.params[m.aOff+l-2]
		for r := 0; r < n; r++ {
			var ss T
			for _, v := range s[r*k : (r+1)*k] {
				ss += v * v
			}
			f[r] += al * ss
		}
		if l < a.L {
			m.lift1(b, n, l, l >= updateFrom)
		}
	}
}

// lift1 computes H_l = N_l((R_l S_l)^2) into b.h[l].
func (m *hnet[T]) lift1(b *buffers[T], n, l int, update bool) {
	a := m.arch
	k, md := a.Width(l), a.LiftDim(l)
	z := b.z[l][:n*md]
	gemm(false, true, n, md, k, 1, b.s[l], k, m.lift[l], k, 0, z, md)
	hl := b.h[l][:n*md]
	for i, v := range z {
		hl[i] = v * v
	}
	mean, vr := m.mean[l], m.vr[l]
	if update {
		bm, bv := b.batch[:md], b.batch[md:2*md]
		clear(bm)
		clear(bv)
		for r := 0; r < n; r++ {
			for c, q := range hl[r*md : (r+1)*md] {
				bm[c] += float64(q)
			}
		}
		for c := range bm {
			bm[c] /= float64(n)
		}
		for r := 0; r < n; r++ {
			for c, q := range hl[r*md : (r+1)*md] {
				dq := float64(q) - bm[c]
				bv[c] += dq * dq
			}
		}
		for c := range bv {
			bv[c] /= float64(n)
			if !m.inited[l] {
				mean[c], vr[c] = T(bm[c]), T(bv[c])
			} else {
				mean[c] = T((1-normMomentum)*float64(mean[c]) + normMomentum*bm[c])
				vr[c] = T((1-normMomentum)*float64(vr[c]) + normMomentum*bv[c])
			}
		}
		m.inited[l] = true
	}
	for c := 0; c < md; c++ {
		b.batch[c] = 1 / math.Sqrt(float64(vr[c])+NormEps)
	}
	for r := 0; r < n; r++ {
		row := hl[r*md : (r+1)*md]
		for c := range row {
			row[c] = (row[c] - mean[c]) * T(b.batch[c])
		}
	}
}

// backward computes into b.grad the gradient of the loss whose derivative
// with respect to the outputs is b.df, for a forward pass with the output
// terms 2..top on: the gradients of a, b and of K_lo..K_top (the other
// entries of b.grad are zero). The statistics of N_l are constants.
func (m *hnet[T]) backward(b *buffers[T], n, top, lo int) {
	a := m.arch
	g := b.grad
	clear(g)
	df := b.df[:n]
	var gb T
	for _, v := range df {
		gb += v
	}
	g[m.bOff] = gb
	for l := 2; l <= top; l++ {
		k := a.Width(l)
		s := b.s[l]
		var ga T
		for r := 0; r < n; r++ {
			var ss T
			for _, v := range s[r*k : (r+1)*k] {
				ss += v * v
			}
			ga += df[r] * ss
		}
		g[m.aOff+l-2] = ga
	}
	for j := max(lo, 2); j < top; j++ {
		clear(b.dh[j][:n*a.InDim(j)])
	}
	for l := top; l >= lo; l-- {
		k, fan := a.Width(l), a.FanIn(l)
		s, ds := b.s[l][:n*k], b.ds[l][:n*k]
		al2 := 2 * m.params[m.aOff+l-2]
		for r := 0; r < n; r++ {
			c := al2 * df[r]
			for i := r * k; i < (r+1)*k; i++ {
				ds[i] = c * s[i]
			}
		}
		if l < top && l < a.L {
			// H_l feeds layers above: dS_l += (dH_l * 2 z / sd) R_l.
			md := a.LiftDim(l)
			z, dz, dh := b.z[l][:n*md], b.dz[l][:n*md], b.dh[l][:n*md]
			for c := 0; c < md; c++ {
				b.batch[c] = 2 / math.Sqrt(float64(m.vr[l][c])+NormEps)
			}
			for r := 0; r < n; r++ {
				for c := 0; c < md; c++ {
					i := r*md + c
					dz[i] = dh[i] * z[i] * T(b.batch[c])
				}
			}
			gemm(false, false, n, k, md, 1, dz, md, m.lift[l], k, 1, ds, k)
		}
		K := m.k(l)
		gK := g[m.kOff[l]:m.kOff[l+1]]
		off := 0
		for _, j := range a.Skip(l) {
			dj := a.InDim(j)
			gemm(true, false, k, dj, n, 1, ds, k, b.h[j], dj, 0, gK[off:], fan)
			if j >= 2 && j >= lo {
				gemm(false, false, n, dj, k, 1, ds, k, K[off:], fan, 1, b.dh[j], dj)
			}
			off += dj
		}
	}
}
