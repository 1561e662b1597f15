package concept

// Layer holds the weights and normalisation constants of one layer, in the
// form an exporter needs to rebuild the concept as a graph.
//
// For the hq family (layer index L = l, 2 <= l <= Layers):
//
//	S_l = (sum over b of W[b] · Gc_{Inputs[b]}) / Scale        (entrywise division)
//	G_l = S_l * S_l
//	Gc_l = (G_l - Mu) / Sd
//
// where Gc_0 = x and Gc_1 = (x*x - 1)/sqrt(2). W[b] is a k_l x dim_j
// row-major matrix (dim_j = d for j = 0, 1 and k_j for j >= 2) with the
// deep-path gain already multiplied in (the block j = l-1 for l >= 3); the
// scale 1/s_l is NOT folded in. Mu and Sd are stored for the top layer too
// although Gc_L feeds nothing.
//
// For the relu-teacher family (L = l, 1 <= l <= Layers) Inputs is {l-1},
// W[0] is the k_l x k_{l-1} matrix (k_0 = d) and h_l = max(0, W[0] h_{l-1});
// Scale, Mu and Sd are nil.
type Layer struct {
	L      int
	Inputs []int
	Rows   int         // k_l
	Cols   []int       // dim_j of each input block
	W      [][]float64 // one block per input, Rows x Cols[b], row-major
	Scale  []float64   // s_l (hq)
	Mu, Sd []float64   // standardisation of G_l (hq)
}

// clone returns a deep copy.
func (ly Layer) clone() Layer {
	c := ly
	c.Inputs = append([]int(nil), ly.Inputs...)
	c.Cols = append([]int(nil), ly.Cols...)
	c.W = make([][]float64, len(ly.W))
	for i, w := range ly.W {
		c.W[i] = append([]float64(nil), w...)
	}
	c.Scale = append([]float64(nil), ly.Scale...)
	c.Mu = append([]float64(nil), ly.Mu...)
	c.Sd = append([]float64(nil), ly.Sd...)
	if ly.Scale == nil {
		c.Scale = nil
	}
	if ly.Mu == nil {
		c.Mu = nil
	}
	if ly.Sd == nil {
		c.Sd = nil
	}
	return c
}
