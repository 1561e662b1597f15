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
// runs the steps.
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
// the sgemm kernels with the packed Rᵀ of packWeights (hidden a multiple
// of the kernels' panel width, R a constant): at batch 1 as
// matrix-vector products (sgemm.PackedRow), above it as products of a
// packed h (sgemm.Packed).
func (s *rnnShape) packedSteps() bool { return s.rPacked != nil }

// packedStepsSize is the scratch the packed steps need above batch 1: h
// packed, twice (the previous step's and the next).
func (s *rnnShape) packedStepsSize() int {
	if !s.packedSteps() || s.batch == 1 {
		return 0
	}
	return 2 * sgemm.PackedASize(s.batch, s.hidden)
}

// lstmRun is what every step of one direction of a plain LSTM reads.
type lstmRun struct {
	d       int
	proj, r []float32 // input projections (biases added), R of d
	rp      []float32 // packed Rᵀ of d, or nil
	row     bool      // rp at batch 1: h·Rᵀ by sgemm.PackedRow on h itself
	cell    []float32 // B×H
	gates   []float32 // B×4H scratch
	y       []float32 // nil: not wanted
	lens    []int
	rev     bool
	hPacked [2][]float32 // h packed for rp: [step%2] is the previous h
	unit    int          // granularity of the hidden units' ranges
}

// lstmSteps runs the time steps of one direction of a plain LSTM (see
// plainLSTM). proj holds the input projections of all steps (biases
// added), h and cell the initial states (and on return the final ones),
// hNext and gates scratch of B×H and B×4H, pk packedStepsSize() more; y
// (nil: not wanted) receives every step's h.
//
// When a step's recurrent product is big enough, the hidden units are
// split into ranges (parts) over workers for the whole sequence, in one
// parallel section shared out by stepParts: at each step the worker of a
// part multiplies the previous h by its rows of the four gate blocks of
// R, then updates the cell and the new h of its units (every part reads
// all of the previous h; h is double-buffered). A worker keeps its rows
// of R in its core's cache from step to step, and waiting for the other
// parts costs less than handing a section to the pool at every step.
func (s *rnnShape) lstmSteps(d int, proj, r, h, cell, hNext, gates, pk, y []float32, lens []int, rev bool) {
	H, B, T := s.hidden, s.batch, s.seq
	run := &lstmRun{d: d, proj: proj, r: r, cell: cell, gates: gates, y: y, lens: lens, rev: rev, unit: lstmStepUnit}
	if s.packedSteps() {
		run.rp = s.rPacked[d]
		run.unit = sgemm.PanelN
		run.row = B == 1
		if !run.row {
			n := sgemm.PackedASize(B, H)
			run.hPacked = [2][]float32{pk[:n], pk[n : 2*n]}
			sgemm.PackA(B, H, h, H, run.hPacked[0])
			sgemm.PackA(B, H, h, H, run.hPacked[1])
		}
	}
	units := (H + run.unit - 1) / run.unit
	parts := 1
	if B*4*H*H >= lstmParallelMin {
		parts = max(1, min(s.workers, units, numCPU))
	}
	sp := newStepParts(T, parts)
	bufs := [2][]float32{h, hNext}
	parallel(parts, parts, parts > 1, func(_, p0, _ int) {
		sp.run(p0, func(step, part int) {
			lo, hi := part*units/parts*run.unit, min((part+1)*units/parts*run.unit, H)
			s.lstmStep(run, step, lo, hi, bufs[step%2], bufs[(step+1)%2])
		})
	})
	if T%2 == 1 { // the last step wrote hNext
		copy(h, hNext)
	}
}

// lstmStep runs step for the hidden units [lo, hi): the recurrent
// products of their gates, then the gates, the new cell and the new h
// (into next, and packed into run.hPacked[(step+1)%2]).
func (s *rnnShape) lstmStep(run *lstmRun, step, lo, hi int, cur, next []float32) {
	H, B := s.hidden, s.batch
	gh := 4 * H
	gates := run.gates
	for q := 0; q < 4; q++ {
		if run.row {
			sgemm.PackedRow(H, gh, cur, run.rp, gates, q*H+lo, q*H+hi)
			continue
		}
		if run.rp != nil {
			sgemm.Packed(B, gh, H, run.hPacked[step%2], run.rp, gates, gh, nil, false, false, q*H+lo, q*H+hi)
			continue
		}
		rq := blas32.General{Rows: hi - lo, Cols: H, Stride: H, Data: run.r[(q*H+lo)*H:]}
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
		if step >= run.lens[b] {
			copy(hn[lo:hi], hp[lo:hi])
		} else {
			t := step
			if run.rev {
				t = run.lens[b] - 1 - step
			}
			p := run.proj[s.xRow(t, b)*gh : (s.xRow(t, b)+1)*gh]
			g := gates[b*gh : (b+1)*gh]
			cb := run.cell[b*H : (b+1)*H]
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
			if run.y != nil {
				copy(run.y[s.yAt(t, run.d, b)+lo:s.yAt(t, run.d, b)+hi], hn[lo:hi])
			}
		}
		if run.rp != nil && !run.row {
			// Row b of the packed next h: panel b/PanelM, lane b%PanelM.
			dst := run.hPacked[(step+1)%2][b/sgemm.PanelM*sgemm.PanelM*H+b%sgemm.PanelM:]
			for j := lo; j < hi; j++ {
				dst[j*sgemm.PanelM] = hn[j]
			}
		}
	}
}
