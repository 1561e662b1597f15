package importer

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
)

// rnnPackKey keys a recurrent node's packed weights in its cache: the
// constant (W or R) and the direction.
type rnnPackKey struct {
	t *Tensor
	d int
}

// rnnPackedT returns the transpose of matrix d of the constant t (shape
// [D, rows, cols]), a cols×rows matrix, packed for sgemm.Packed; it is
// computed once per node and cached on it.
func rnnPackedT(n *Node, t *Tensor, d, rows, cols int) []float32 {
	key := rnnPackKey{t, d}
	if v, ok := n.cache.Load(key); ok {
		return v.([]float32)
	}
	m := t.F[d*rows*cols : (d+1)*rows*cols]
	mt := make([]float32, cols*rows)
	for i := 0; i < rows; i++ {
		for k, v := range m[i*cols : (i+1)*cols] {
			mt[k*rows+i] = v
		}
	}
	pb := make([]float32, sgemm.PackedBSize(cols, rows))
	sgemm.PackBRows(cols, rows, 0, cols, mt, rows, pb)
	v, _ := n.cache.LoadOrStore(key, pb)
	return v.([]float32)
}

// packWeights packs Wᵀ (for the input projections) and, for the plain
// steps, Rᵀ of every direction when they are constants and the
// sgemm kernels may run; otherwise the products go through BLAS.
func (s *rnnShape) packWeights(n *Node, w, r *info) {
	if !s.packed {
		return
	}
	gh := s.kind.gates * s.hidden
	for d := 0; d < s.dirs; d++ {
		if w.c != nil {
			s.wPacked = append(s.wPacked, rnnPackedT(n, w.c, d, gh, s.in))
		}
		if r.c != nil && s.hidden%sgemm.PanelN == 0 {
			s.rPacked = append(s.rPacked, rnnPackedT(n, r.c, d, gh, s.hidden))
		}
	}
}

// projScratch is the scratch project needs beyond proj: the packed X.
func (s *rnnShape) projScratch() int {
	if s.wPacked == nil {
		return 0
	}
	return sgemm.PackedASize(s.seq*s.batch, s.in)
}

// project computes the input projections X·Wᵀ + Wb + Rb of direction d
// for all time steps into proj (rows as X's, width gates×hidden); GRU's
// recurrent bias of h stays out under linear_before_reset. The rows of
// proj are first set to the biases' sum, then the product is added. With
// packed weights the rows are split into chunks over workers, each
// packing its rows of X into pa (projScratch long) and multiplying them
// by the packed Wᵀ.
func (s *rnnShape) project(d int, x, w, bias, proj, pa []float32) {
	rows, gh, K := s.seq*s.batch, s.kind.gates*s.hidden, s.in
	sum := s.biasSum(d, bias)
	if s.wPacked == nil {
		beta := float32(0)
		if sum != nil {
			fillRows(proj[:rows*gh], sum)
			beta = 1
		}
		blas32.Gemm(blas.NoTrans, blas.Trans, 1,
			blas32.General{Rows: rows, Cols: K, Stride: K, Data: x},
			blas32.General{Rows: gh, Cols: K, Stride: K, Data: w[d*gh*K : (d+1)*gh*K]},
			beta, blas32.General{Rows: rows, Cols: gh, Stride: gh, Data: proj})
		return
	}
	wp := s.wPacked[d]
	panels := (rows + sgemm.PanelM - 1) / sgemm.PanelM
	workers := max(1, min(s.workers, panels, numCPU))
	if rows*gh*K < minSplitMACs {
		workers = 1
	}
	// Chunks of rows taken as stepParts parts: a goroutine that the OS
	// deschedules holds up the others by one chunk at most.
	chunks := min(panels, 8*workers)
	sp := newStepParts(1, chunks)
	parallel(workers, workers, workers > 1, func(wi, _, _ int) {
		sp.run(wi*chunks/workers, func(_, c int) {
			m0, m1 := c*panels/chunks*sgemm.PanelM, min((c+1)*panels/chunks*sgemm.PanelM, rows)
			if sum != nil {
				fillRows(proj[m0*gh:m1*gh], sum)
			}
			sgemm.PackA(m1-m0, K, x[m0*K:], K, pa[m0*K:])
			sgemm.Packed(m1-m0, gh, K, pa[m0*K:], wp, proj[m0*gh:], gh, nil, sum != nil, false, 0, gh)
		})
	})
}

// biasSum returns Wb + Rb of direction d (Rb's h gate left out under
// linear_before_reset), or nil without biases.
func (s *rnnShape) biasSum(d int, bias []float32) []float32 {
	if bias == nil {
		return nil
	}
	gh := s.kind.gates * s.hidden
	wb, rb := bias[d*2*gh:d*2*gh+gh], bias[d*2*gh+gh:(d+1)*2*gh]
	sum := make([]float32, gh)
	for j := range sum {
		sum[j] = wb[j]
		if !(s.lbr && j >= 2*s.hidden) {
			sum[j] += rb[j]
		}
	}
	return sum
}

// fillRows sets every row of p (rows of len(row)) to row.
func fillRows(p, row []float32) {
	for i := 0; i < len(p); i += len(row) {
		copy(p[i:i+len(row)], row)
	}
}
