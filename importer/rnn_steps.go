package importer

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
	"github.com/hierlearn/hierlearn/internal/numeric/vec"
)

// stepUnit is the granularity, in hidden units, of the ranges a plain
// recurrent node's steps are split into over workers.
const stepUnit = 8

// stepParallelMin is the smallest recurrent product (batch × gates·H × H
// multiply-adds per step) split over workers; below it one goroutine
// runs the steps.
const stepParallelMin = 1 << 16

// plainSteps reports whether stepsRun can run direction d: the default
// activations (LSTM: Sigmoid, Tanh, Tanh; GRU: Sigmoid, Tanh; RNN: Tanh),
// no clip and no tape to record; an LSTM without peepholes or
// input_forget, a GRU with linear_before_reset (as torch writes it:
// without it the product of the h gate needs all of r first).
func (s *rnnShape) plainSteps(d int, peep []float32, tape *rnnTape) bool {
	if tape != nil || s.clip > 0 {
		return false
	}
	switch s.kind.op {
	case "LSTM":
		if peep != nil || s.inputForget {
			return false
		}
	case "GRU":
		if !s.lbr {
			return false
		}
	}
	for i, name := range s.actNames[d] {
		if name != s.kind.acts[i] {
			return false
		}
	}
	return true
}

// packedSteps reports whether the plain steps' recurrent products run on
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

// stepRun is what every step of one direction of a plain recurrent node
// reads.
type stepRun struct {
	d       int
	proj, r []float32 // input projections (biases added), R of d
	rbh     []float32 // GRU: the recurrent bias of the h gate (nil: none)
	rp      []float32 // packed Rᵀ of d, or nil
	row     bool      // rp at batch 1: h·Rᵀ by sgemm.PackedRow on h itself
	cell    []float32 // LSTM: B×H
	gates   []float32 // B×gates·H scratch
	y       []float32 // nil: not wanted
	lens    []int
	rev     bool
	hPacked [2][]float32 // h packed for rp: [step%2] is the previous h
	unit    int          // granularity of the hidden units' ranges
}

// stepsRun runs the time steps of one direction of a plain recurrent
// node (see plainSteps). proj holds the input projections of all steps
// (biases added; GRU's recurrent bias of the h gate in rbh), h and cell
// the initial states (and on return the final ones; cell only for an
// LSTM), hNext and gates scratch of B×H and B×gates·H, pk
// packedStepsSize() more; y (nil: not wanted) receives every step's h.
//
// When a step's recurrent product is big enough, the hidden units are
// split into ranges (parts) over workers for the whole sequence, in one
// parallel section shared out by stepParts: at each step the worker of a
// part multiplies the previous h by its rows of every gate block of R,
// then computes the gates and the new h of its units (every part reads
// all of the previous h; h is double-buffered), so that a step waits
// once for all parts. A worker keeps its rows of R in its core's cache
// from step to step, and waiting for the other parts costs less than
// handing a section to the pool at every step.
func (s *rnnShape) stepsRun(d int, proj, r, rbh, h, cell, hNext, gates, pk, y []float32, lens []int, rev bool) {
	H, B, T, G := s.hidden, s.batch, s.seq, s.kind.gates
	run := &stepRun{d: d, proj: proj, r: r, rbh: rbh, cell: cell, gates: gates, y: y, lens: lens, rev: rev, unit: stepUnit}
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
	if B*G*H*H >= stepParallelMin {
		parts = max(1, min(s.workers, units, numCPU))
	}
	sp := newStepParts(T, parts)
	bufs := [2][]float32{h, hNext}
	parallel(parts, parts, parts > 1, func(_, p0, _ int) {
		sp.run(p0, func(step, part int) {
			lo, hi := part*units/parts*run.unit, min((part+1)*units/parts*run.unit, H)
			s.step(run, step, lo, hi, bufs[step%2], bufs[(step+1)%2])
		})
	})
	if T%2 == 1 { // the last step wrote hNext
		copy(h, hNext)
	}
}

// step runs step for the hidden units [lo, hi): the recurrent products
// of their gates, then the gates and the new h (into next, and packed
// into run.hPacked[(step+1)%2]).
func (s *rnnShape) step(run *stepRun, step, lo, hi int, cur, next []float32) {
	H, B := s.hidden, s.batch
	gh := s.kind.gates * H
	gates := run.gates
	for q := 0; q < s.kind.gates; q++ {
		switch {
		case run.row:
			sgemm.PackedRow(H, gh, cur, run.rp, gates, q*H+lo, q*H+hi)
		case run.rp != nil:
			sgemm.Packed(B, gh, H, run.hPacked[step%2], run.rp, gates, gh, nil, false, false, q*H+lo, q*H+hi)
		case B == 1:
			rq := blas32.General{Rows: hi - lo, Cols: H, Stride: H, Data: run.r[(q*H+lo)*H:]}
			blas32.Gemv(blas.NoTrans, 1, rq, blas32.Vector{N: H, Inc: 1, Data: cur},
				0, blas32.Vector{N: hi - lo, Inc: 1, Data: gates[q*H+lo:]})
		default:
			rq := blas32.General{Rows: hi - lo, Cols: H, Stride: H, Data: run.r[(q*H+lo)*H:]}
			blas32.Gemm(blas.NoTrans, blas.Trans, 1,
				blas32.General{Rows: B, Cols: H, Stride: H, Data: cur}, rq,
				0, blas32.General{Rows: B, Cols: hi - lo, Stride: gh, Data: gates[q*H+lo:]})
		}
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
			switch s.kind.op {
			case "LSTM":
				lstmUnits(g, p, run.cell[b*H:(b+1)*H], hn, H, lo, hi)
			case "GRU":
				gruUnits(g, p, run.rbh, hp, hn, H, lo, hi)
			default:
				rnnUnits(g, p, hn, lo, hi)
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

// sigmoidSum sets g[j] = σ(scale·(g[j] + p[j])) over one range: a
// gate's sum, then its activation, vectorised (tanh as 2σ(2x) - 1 with
// scale 2).
func sigmoidSum(g, p []float32, scale float32) {
	for j := range g {
		g[j] = scale * (g[j] + p[j])
	}
	vec.Sigmoid(g, g)
}

// lstmUnits computes the units [lo, hi) of one row of an LSTM step: g
// holds the recurrent products of the gates (i, o, f, c; overwritten), p
// the input projections; cell is updated and the new h written to hn.
func lstmUnits(g, p, cell, hn []float32, H, lo, hi int) {
	for q := 0; q < 4; q++ {
		scale := float32(1)
		if q == 3 {
			scale = 2
		}
		sigmoidSum(g[q*H+lo:q*H+hi], p[q*H+lo:q*H+hi], scale)
	}
	for j := lo; j < hi; j++ {
		c := g[2*H+j]*cell[j] + g[j]*(2*g[3*H+j]-1)
		cell[j] = c
		hn[j] = 2 * c
	}
	vec.Sigmoid(hn[lo:hi], hn[lo:hi])
	for j := lo; j < hi; j++ {
		hn[j] = g[H+j] * (2*hn[j] - 1)
	}
}

// gruUnits computes the units [lo, hi) of one row of a GRU step with
// linear_before_reset: g holds the recurrent products of the gates (z,
// r, h; overwritten), p the input projections, rbh the recurrent bias of
// the h gate (nil: none), hp the previous h; the new h goes to hn.
func gruUnits(g, p, rbh, hp, hn []float32, H, lo, hi int) {
	sigmoidSum(g[lo:hi], p[lo:hi], 1)
	sigmoidSum(g[H+lo:H+hi], p[H+lo:H+hi], 1)
	gh := g[2*H+lo : 2*H+hi]
	for j := range gh {
		u := lo + j
		rec := gh[j]
		if rbh != nil {
			rec += rbh[u]
		}
		gh[j] = 2 * (p[2*H+u] + g[H+u]*rec)
	}
	vec.Sigmoid(gh, gh)
	for j := lo; j < hi; j++ {
		hh := 2*g[2*H+j] - 1
		hn[j] = hh + g[j]*(hp[j]-hh)
	}
}

// rnnUnits computes the units [lo, hi) of one row of a simple RNN step:
// hn = tanh(p + g).
func rnnUnits(g, p, hn []float32, lo, hi int) {
	sigmoidSum(g[lo:hi], p[lo:hi], 2)
	for j := lo; j < hi; j++ {
		hn[j] = 2*g[j] - 1
	}
}
