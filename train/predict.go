package train

// evalChunk is the number of rows evaluated at once.
const evalChunk = 2048

// predictHNet evaluates m on the n rows of x (row-major, float64) with
// output terms 2..top on, leaving the statistics alone. When feats is
// non-nil, feats[l] (l = 2..top) receives S_l, n x Width(l).
func predictHNet[T Float](m *hnet[T], x []float64, n, top int, feats [][]float64) []float64 {
	d := m.arch.D
	b := newBuffers(m, min(n, evalChunk))
	out := make([]float64, n)
	for l := 2; feats != nil && l <= top; l++ {
		feats[l] = make([]float64, n*m.arch.Width(l))
	}
	for r0 := 0; r0 < n; r0 += evalChunk {
		c := min(evalChunk, n-r0)
		convert(b.h[0][:c*d], x[r0*d:(r0+c)*d])
		m.forward(b, c, top, m.arch.L+1)
		convert(out[r0:r0+c], b.f[:c])
		for l := 2; feats != nil && l <= top; l++ {
			k := m.arch.Width(l)
			convert(feats[l][r0*k:(r0+c)*k], b.s[l][:c*k])
		}
	}
	return out
}

// predictMLP evaluates m on the n rows of x.
func predictMLP[T Float](m *mlp[T], x []float64, n int) []float64 {
	d := m.sizes[0]
	b := newMLPBuffers(m, min(n, evalChunk))
	out := make([]float64, n)
	last := len(m.sizes) - 1
	for r0 := 0; r0 < n; r0 += evalChunk {
		c := min(evalChunk, n-r0)
		convert(b.act[0][:c*d], x[r0*d:(r0+c)*d])
		m.forward(b, c)
		convert(out[r0:r0+c], b.act[last][:c])
	}
	return out
}
