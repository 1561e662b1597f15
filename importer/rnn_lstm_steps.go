package importer

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
	"github.com/hierlearn/hierlearn/internal/numeric/vec"
)

// lstmStepUnit is the granularity, in hidden units, of the ranges the
// LSTM steps are split into over workers.
const lstmStepUnit = 8

// lstmParallelMin is the smallest recurrent product (batch × 4H × H
// multiply-adds per step) split over workers; below it one goroutine
// runs the step (a section's hand-off costs about a microsecond).
const lstmParallelMin = 1 << 16

// plainLSTM reports whether lstmSteps can run direction d: an LSTM with
// the default activations (Sigmoid, Tanh, Tanh), no clip, peepholes or
// input_forget, and no tape to record.
func (s *rnnShape) plainLSTM(d int, peep []float32, tape *rnnTape) bool {
	if s.kind.op != "LSTM" || tape != nil || peep != nil || s.clip > 0 || s.inputForget {
		return false
	}
	for i, name := range s.actNames[d] {
		if name != kindLSTM.acts[i] {
			return false
		}
	}
	return true
}

// packedSteps reports whether a plain LSTM's recurrent products run on
// the sgemm kernels with Rᵀ packed once per run (batch above 1, hidden a
// multiple of the kernels' panel width): BLAS would pack R again at
// every step. At batch 1 they are matrix-vector products (BLAS sgemv).
func (s *rnnShape) packedSteps() bool {
	return s.kind.op == "LSTM" && s.packed && s.batch > 1 && s.hidden%sgemm.PanelN == 0
}

// packedStepsSize is the scratch the packed steps need: Rᵀ, its packed
// form and the packed h of a step.
func (s *rnnShape) packedStepsSize() int {
	if !s.packedSteps() {
		return 0
	}
	H, gh := s.hidden, 4*s.hidden
	return H*gh + sgemm.PackedBSize(H, gh) + sgemm.PackedASize(s.batch, H)
}

// lstmSteps runs the time steps of one direction of a plain LSTM (see
// plainLSTM). proj holds the input projections of all steps (biases
// added), h and cell the initial states (and on return the final ones),
// hNext and gates scratch of B×H and B×4H, pk packedStepsSize() more; y
// (nil: not wanted) receives every step's h. Each step splits the hidden
// units into ranges over workers: a worker multiplies the previous h by
// its rows of the four gate blocks of R, then updates the cell and the
// new h of its units, so one hand-off per step; h is double-buffered,
// since every worker reads all of the previous h. The activations run
// vectorised (vec.Sigmoid; tanh as 2σ(2x)-1, as tanh32).
func (s *rnnShape) lstmSteps(d int, proj, r, h, cell, hNext, gates, pk, y []float32, lens []int, rev bool) {
	H, B, T := s.hidden, s.batch, s.seq
	gh := 4 * H
	unit := lstmStepUnit
	var rp, hp []float32 // packed Rᵀ and h
	if s.packedSteps() {
		unit = sgemm.PanelN
		rt := pk[:H*gh]
		rp = pk[H*gh : H*gh+sgemm.PackedBSize(H, gh)]
		hp = pk[H*gh+len(rp):]
		for n := 0; n < gh; n++ {
			for k, v := range r[n*H : (n+1)*H] {
				rt[k*gh+n] = v
			}
		}
		sgemm.PackBRows(H, gh, 0, H, rt, gh, rp)
	}
	units := (H + unit - 1) / unit
	big := B*gh*H >= lstmParallelMin
	cur, next := h, hNext
	for step := 0; step < T; step++ {
		if rp != nil {
			sgemm.PackA(B, H, cur, H, hp)
		}
		parallel(s.workers, units, big, func(_, u0, u1 int) {
			lo, hi := u0*unit, min(u1*unit, H)
			for q := 0; q < 4; q++ {
				if rp != nil {
					sgemm.Packed(B, gh, H, hp, rp, gates, gh, nil, false, false, q*H+lo, q*H+hi)
					continue
				}
				rq := blas32.General{Rows: hi - lo, Cols: H, Stride: H, Data: r[(q*H+lo)*H:]}
				if B == 1 {
					blas32.Gemv(blas.NoTrans, 1, rq, blas32.Vector{N: H, Inc: 1, Data: cur},
						0, blas32.Vector{N: hi - lo, Inc: 1, Data: gates[q*H+lo:]})
					continue
				}
				blas32.Gemm(blas.NoTrans, blas.Trans, 1,
					blas32.General{Rows: B, Cols: H, Stride: H, Data: cur}, rq,
					0, blas32.General{Rows: B, Cols: hi - lo, Stride: gh, Data: gates[q*H+lo:]})
			}
			for b := 0; b < B; b++ {
				hp, hn := cur[b*H:(b+1)*H], next[b*H:(b+1)*H]
				if step >= lens[b] {
					copy(hn[lo:hi], hp[lo:hi])
					continue
				}
				t := step
				if rev {
					t = lens[b] - 1 - step
				}
				p := proj[s.xRow(t, b)*gh : (s.xRow(t, b)+1)*gh]
				g := gates[b*gh : (b+1)*gh]
				cb := cell[b*H : (b+1)*H]
				// The gates' sums, then σ over each block's range (the
				// cell candidate's tanh as 2σ(2x)-1), vectorised.
				for q := 0; q < 4; q++ {
					scale := float32(1)
					if q == 3 {
						scale = 2
					}
					gq, pq := g[q*H+lo:q*H+hi], p[q*H+lo:q*H+hi]
					for j := range gq {
						gq[j] = scale * (gq[j] + pq[j])
					}
					vec.Sigmoid(gq, gq)
				}
				for j := lo; j < hi; j++ {
					c := g[2*H+j]*cb[j] + g[j]*(2*g[3*H+j]-1)
					cb[j] = c
					hn[j] = 2 * c
				}
				vec.Sigmoid(hn[lo:hi], hn[lo:hi])
				for j := lo; j < hi; j++ {
					hn[j] = g[H+j] * (2*hn[j] - 1)
				}
				if y != nil {
					copy(y[s.yAt(t, d, b)+lo:s.yAt(t, d, b)+hi], hn[lo:hi])
				}
			}
		})
		cur, next = next, cur
	}
	if &cur[0] != &h[0] {
		copy(h, cur)
	}
}
