package importer

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// rnnKind is one of the three recurrent operators of ONNX.
type rnnKind struct {
	op    string
	gates int      // gate blocks in W and R: RNN 1, GRU 3 (z r h), LSTM 4 (i o f c)
	acts  []string // default activations of one direction
}

var (
	kindRNN  = rnnKind{op: "RNN", gates: 1, acts: []string{"Tanh"}}
	kindGRU  = rnnKind{op: "GRU", gates: 3, acts: []string{"Sigmoid", "Tanh"}}
	kindLSTM = rnnKind{op: "LSTM", gates: 4, acts: []string{"Sigmoid", "Tanh", "Tanh"}}
)

// rnnActivations are the activation functions the recurrent operators
// accept; the others of the ONNX list (Affine, LeakyRelu,
// ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus) are
// refused at load with an error naming them.
var rnnActivations = map[string]func(float32) float32{
	"Sigmoid": sigmoid32,
	"Tanh":    tanh32,
	"Relu":    func(x float32) float32 { return max(x, 0) },
}

// rnnConfig is a recurrent node's attributes, checked.
type rnnConfig struct {
	kind        rnnKind
	dirs        int
	reverse     bool // direction "reverse" (dirs 1)
	layout      int
	clip        float32                   // 0: none
	lbr         bool                      // GRU linear_before_reset
	inputForget bool                      // LSTM input_forget
	acts        [][]func(float32) float32 // per direction
	actNames    [][]string                // their names
}

// rnnParse reads and checks a recurrent node's attributes.
func rnnParse(n *Node, kind rnnKind) (*rnnConfig, error) {
	c := &rnnConfig{kind: kind, dirs: 1}
	switch d := n.attrString("direction", "forward"); d {
	case "forward":
	case "reverse":
		c.reverse = true
	case "bidirectional":
		c.dirs = 2
	default:
		return nil, fmt.Errorf("importer: %s direction %q: want forward, reverse or bidirectional", kind.op, d)
	}
	c.layout = int(n.attrInt("layout", 0))
	if c.layout != 0 && c.layout != 1 {
		return nil, fmt.Errorf("importer: %s layout %d: want 0 or 1", kind.op, c.layout)
	}
	if n.has("clip") {
		c.clip = n.attrFloat("clip", 0)
		if !(c.clip > 0) {
			return nil, fmt.Errorf("importer: %s clip %v: want a positive threshold", kind.op, c.clip)
		}
	}
	c.lbr = kind.op == "GRU" && n.attrInt("linear_before_reset", 0) != 0
	c.inputForget = kind.op == "LSTM" && n.attrInt("input_forget", 0) != 0
	names := kind.acts
	if a, ok := n.attrs["activations"]; ok {
		names = nil
		for _, s := range a.GetStrings() {
			names = append(names, string(s))
		}
	}
	per := len(kind.acts)
	if len(names) != per && len(names) != per*c.dirs {
		return nil, fmt.Errorf("importer: %s has %d activations, want %d per direction", kind.op, len(names), per)
	}
	for d := 0; d < c.dirs; d++ {
		var fs []func(float32) float32
		for i := 0; i < per; i++ {
			name := names[(d*per+i)%len(names)]
			f, ok := rnnActivations[name]
			if !ok {
				return nil, fmt.Errorf("importer: %s activation %q: %w (Sigmoid, Tanh and Relu are)", kind.op, name, ErrUnsupported)
			}
			fs = append(fs, f)
		}
		c.acts = append(c.acts, fs)
		c.actNames = append(c.actNames, names[(d*per)%len(names):(d*per)%len(names)+per])
	}
	return c, nil
}

// checkRNN checks a recurrent node's attributes at load time.
func checkRNN(kind rnnKind) func(n *Node) error {
	return func(n *Node) error {
		_, err := rnnParse(n, kind)
		return err
	}
}

// buildRNN builds RNN-7/14, GRU-7/14 and LSTM-7/14: inputs X, W, R and
// the optional B, sequence_lens, initial_h (and initial_c, P for LSTM);
// outputs Y, Y_h (and Y_c for LSTM), any of them absent. The input
// projections X·Wᵀ + B of all time steps are one GEMM per direction
// (split over workers, Wᵀ packed once when W is a constant); each step
// then multiplies the batch's hidden state by Rᵀ.
func buildRNN(kind rnnKind) buildFn {
	return func(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
		c, err := rnnParse(n, kind)
		if err != nil {
			return nil, nil, err
		}
		if err := wantInputs(in, 3); err != nil {
			return nil, nil, err
		}
		if err := wantFloat(in, 0, 1, 2, 3, 5, 6, 7); err != nil {
			return nil, nil, err
		}
		x, w, r := in[0], in[1], in[2]
		if len(x.shape) != 3 || len(w.shape) != 3 || len(r.shape) != 3 {
			return nil, nil, fmt.Errorf("importer: %s wants X, W, R of rank 3, has %v, %v, %v", kind.op, x.shape, w.shape, r.shape)
		}
		seq, batch := x.shape[0], x.shape[1]
		if c.layout == 1 {
			seq, batch = batch, seq
		}
		isz, G := x.shape[2], kind.gates
		H := r.shape[2]
		if hs := n.attrInt("hidden_size", int64(H)); int(hs) != H {
			return nil, nil, fmt.Errorf("importer: %s hidden_size %d but R is %v", kind.op, hs, r.shape)
		}
		D := c.dirs
		if w.shape[0] != D || w.shape[1] != G*H || w.shape[2] != isz {
			return nil, nil, fmt.Errorf("importer: %s W is %v, want [%d %d %d]", kind.op, w.shape, D, G*H, isz)
		}
		if r.shape[0] != D || r.shape[1] != G*H {
			return nil, nil, fmt.Errorf("importer: %s R is %v, want [%d %d %d]", kind.op, r.shape, D, G*H, H)
		}
		state := []int{D, batch, H}
		if c.layout == 1 {
			state = []int{batch, D, H}
		}
		want := map[int][]int{3: {D, 2 * G * H}, 4: {batch}, 5: state, 6: state, 7: {D, 3 * H}}
		for i, s := range want {
			p := input(in, i)
			if p == nil {
				continue
			}
			if i >= 6 && kind.op != "LSTM" {
				return nil, nil, fmt.Errorf("importer: %s has no input %d", kind.op, i)
			}
			if !sameShape(p.shape, s) {
				return nil, nil, fmt.Errorf("importer: %s input %d is %v, want %v", kind.op, i, p.shape, s)
			}
		}
		if p := input(in, 4); p != nil && p.dt == Float32 {
			return nil, nil, fmt.Errorf("importer: %s sequence_lens must be integers, is %v", kind.op, p.dt)
		}
		yShape := []int{seq, D, batch, H}
		if c.layout == 1 {
			yShape = []int{batch, seq, D, H}
		}
		outs := []*info{{dt: Float32, shape: yShape}, {dt: Float32, shape: state}}
		if kind.op == "LSTM" {
			outs = append(outs, &info{dt: Float32, shape: state})
		}
		rs := &rnnShape{rnnConfig: c, seq: seq, batch: batch, in: isz, hidden: H, workers: env.workers(), packed: env.packed()}
		rs.packWeights(n, w, r)
		k := &kernel{scratch: rs.scratchSize(), run: rs.run}
		return outs, k, nil
	}
}

// tanh32 is tanh(x) = 2σ(2x) - 1 through sigmoid32, to about 1e-7
// absolute: math.Tanh in float64 took most of a small LSTM's time.
func tanh32(x float32) float32 { return 2*sigmoid32(2*x) - 1 }

// rnnShape is a recurrent node specialised to its input shapes.
type rnnShape struct {
	*rnnConfig
	seq, batch, in, hidden int
	workers                int  // goroutines a plain LSTM's steps are split over
	packed                 bool // the sgemm kernels may run (buildEnv.packed)
	// wPacked and rPacked are Wᵀ and Rᵀ of each direction packed for
	// sgemm.Packed (packWeights), or nil.
	wPacked, rPacked [][]float32
}

// scratchSize is the float32s run needs: the input projections of one
// direction, the recurrent products of one step, and the states.
func (s *rnnShape) scratchSize() int {
	gh := s.kind.gates * s.hidden
	return s.seq*s.batch*gh + s.batch*gh + 4*s.batch*s.hidden + max(s.packedStepsSize(), s.projScratch())
}

// xRow is the row of X (and of its projection) of time t, batch b.
func (s *rnnShape) xRow(t, b int) int {
	if s.layout == 1 {
		return b*s.seq + t
	}
	return t*s.batch + b
}

// yAt is the offset in Y of time t, direction d, batch b.
func (s *rnnShape) yAt(t, d, b int) int {
	if s.layout == 1 {
		return ((b*s.seq+t)*s.dirs + d) * s.hidden
	}
	return ((t*s.dirs+d)*s.batch + b) * s.hidden
}

// stateAt is the offset in Y_h, Y_c, initial_h, initial_c of direction
// d, batch b.
func (s *rnnShape) stateAt(d, b int) int {
	if s.layout == 1 {
		return (b*s.dirs + d) * s.hidden
	}
	return (d*s.batch + b) * s.hidden
}

func (s *rnnShape) run(in, o []*Tensor, scratch []float32) { s.forward(in, o, scratch, nil) }

// rnnTape records what the backward pass needs of a forward one, per
// direction and step: each gate's input before clip and activation
// (GRU's h gate: the whole sum), the states before the step, and the
// recurrent products h·Rᵀ.
type rnnTape struct {
	pre, hPrev, cPrev, rec [][]float32 // [dir][step*batch*width]
	lens                   []int
}

// forward runs the node, recording into tape unless nil.
func (s *rnnShape) forward(in, o []*Tensor, scratch []float32, tape *rnnTape) {
	H, G, B, T := s.hidden, s.kind.gates, s.batch, s.seq
	gh := G * H
	proj := scratch[:T*B*gh]
	gates := scratch[T*B*gh : T*B*gh+B*gh]
	rest := scratch[T*B*gh+B*gh:]
	h, cell, tmp, hr := rest[:B*H], rest[B*H:2*B*H], rest[2*B*H:3*B*H], rest[3*B*H:4*B*H]
	pk := rest[4*B*H:]
	opt := func(i int) *Tensor {
		if i < len(in) && in[i] != nil {
			return in[i]
		}
		return nil
	}
	out := func(i int) []float32 {
		if i < len(o) && o[i] != nil && len(o[i].F) > 0 {
			return o[i].F
		}
		return nil
	}
	y, yh, yc := out(0), out(1), out(2)
	if y != nil {
		clear(y)
	}
	lens := make([]int, B)
	for b := range lens {
		lens[b] = T
		if sl := opt(4); sl != nil {
			lens[b] = min(max(int(sl.I[b]), 0), T)
		}
	}
	x := in[0].F
	if tape != nil {
		tape.lens = lens
	}
	for d := 0; d < s.dirs; d++ {
		r := in[2].F[d*gh*H : (d+1)*gh*H]
		var bias, rb []float32
		if b := opt(3); b != nil {
			bias = b.F
			rb = bias[d*2*gh+gh : (d+1)*2*gh]
		}
		s.project(d, x, in[1].F, bias, proj, pk)
		for b := 0; b < B; b++ {
			for _, st := range []struct {
				dst []float32
				i   int
			}{{h, 5}, {cell, 6}} {
				v := st.dst[b*H : (b+1)*H]
				if t := opt(st.i); t != nil {
					copy(v, t.F[s.stateAt(d, b):])
				} else {
					clear(v)
				}
			}
		}
		var peep []float32
		if p := opt(7); p != nil {
			peep = p.F[d*3*H : (d+1)*3*H]
		}
		acts := s.acts[d]
		rev := s.reverse || d == 1
		steps := T
		if s.plainSteps(d, peep, tape) {
			var rbh []float32
			if s.lbr && rb != nil {
				rbh = rb[2*H : 3*H]
			}
			s.stepsRun(d, proj, r, rbh, h, cell, tmp, gates, pk, y, lens, rev)
			steps = 0
		}
		for step := 0; step < steps; step++ {
			blas32.Gemm(blas.NoTrans, blas.Trans, 1,
				blas32.General{Rows: B, Cols: H, Stride: H, Data: h},
				blas32.General{Rows: gh, Cols: H, Stride: H, Data: r},
				0, blas32.General{Rows: B, Cols: gh, Stride: gh, Data: gates})
			var pre []float32
			if tape != nil {
				copy(tape.hPrev[d][step*B*H:], h)
				copy(tape.cPrev[d][step*B*H:], cell)
				copy(tape.rec[d][step*B*gh:], gates)
				pre = tape.pre[d][step*B*gh : (step+1)*B*gh]
			}
			rec := func(b, j int, v float32) float32 {
				if pre != nil {
					pre[b*gh+j] = v
				}
				return v
			}
			if s.kind.op == "GRU" && !s.lbr {
				// (r ⊙ h)·Rhᵀ needs r first: computed below per row.
				for b := 0; b < B; b++ {
					if step >= lens[b] {
						continue
					}
					t := step
					if rev {
						t = lens[b] - 1 - step
					}
					p := proj[s.xRow(t, b)*gh:]
					g := gates[b*gh:]
					for j := 0; j < H; j++ {
						tmp[b*H+j] = h[b*H+j] * acts[0](s.clamp(p[H+j]+g[H+j]))
					}
				}
				blas32.Gemm(blas.NoTrans, blas.Trans, 1,
					blas32.General{Rows: B, Cols: H, Stride: H, Data: tmp},
					blas32.General{Rows: H, Cols: H, Stride: H, Data: r[2*H*H:]},
					0, blas32.General{Rows: B, Cols: H, Stride: H, Data: hr})
			}
			for b := 0; b < B; b++ {
				if step >= lens[b] {
					continue
				}
				t := step
				if rev {
					t = lens[b] - 1 - step
				}
				p := proj[s.xRow(t, b)*gh : (s.xRow(t, b)+1)*gh]
				g := gates[b*gh : (b+1)*gh]
				hb, cb := h[b*H:(b+1)*H], cell[b*H:(b+1)*H]
				switch s.kind.op {
				case "RNN":
					for j := range hb {
						hb[j] = acts[0](s.clamp(rec(b, j, p[j]+g[j])))
					}
				case "GRU":
					for j := range hb {
						z := acts[0](s.clamp(rec(b, j, p[j]+g[j])))
						rg := acts[0](s.clamp(rec(b, H+j, p[H+j]+g[H+j])))
						var ph float32
						if s.lbr {
							ph = p[2*H+j] + rg*(g[2*H+j]+rb2(rb, H, j))
						} else {
							ph = p[2*H+j] + hr[b*H+j]
						}
						hh := acts[1](s.clamp(rec(b, 2*H+j, ph)))
						hb[j] = (1-z)*hh + z*hb[j]
					}
				case "LSTM":
					for j := range hb {
						pi, po, pf, pc := p[j]+g[j], p[H+j]+g[H+j], p[2*H+j]+g[2*H+j], p[3*H+j]+g[3*H+j]
						if peep != nil {
							pi += peep[j] * cb[j]
							pf += peep[2*H+j] * cb[j]
						}
						i := acts[0](s.clamp(rec(b, j, pi)))
						f := acts[0](s.clamp(rec(b, 2*H+j, pf)))
						if s.inputForget {
							f = 1 - i
						}
						cc := acts[1](s.clamp(rec(b, 3*H+j, pc)))
						cb[j] = f*cb[j] + i*cc
						if peep != nil {
							po += peep[H+j] * cb[j]
						}
						ot := acts[0](s.clamp(rec(b, H+j, po)))
						hb[j] = ot * acts[2](cb[j])
					}
				}
				if y != nil {
					copy(y[s.yAt(t, d, b):], hb)
				}
			}
		}
		for b := 0; b < B; b++ {
			if yh != nil {
				copy(yh[s.stateAt(d, b):s.stateAt(d, b)+H], h[b*H:])
			}
			if yc != nil {
				copy(yc[s.stateAt(d, b):s.stateAt(d, b)+H], cell[b*H:])
			}
		}
	}
}

// rb2 is GRU's recurrent bias of the h gate (0 without B).
func rb2(rb []float32, H, j int) float32 {
	if rb == nil {
		return 0
	}
	return rb[2*H+j]
}

// clamp applies the clip attribute to a gate's input.
func (s *rnnShape) clamp(v float32) float32 {
	if s.clip > 0 {
		return min(max(v, -s.clip), s.clip)
	}
	return v
}
