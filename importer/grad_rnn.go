package importer

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// backRNN is the backward pass through time of RNN, GRU and LSTM: it
// reruns the forward pass recording each step's gate inputs and states,
// then walks the steps backwards. Gradients reach X, W, R, B, the
// initial states and P; sequence_lens is an integer input.
func backRNN(kind rnnKind) backFn {
	return func(c *backCtx) error {
		cfg, err := rnnParse(c.n, kind)
		if err != nil {
			return err
		}
		x := c.in[0]
		seq, batch := x.Shape[0], x.Shape[1]
		if cfg.layout == 1 {
			seq, batch = batch, seq
		}
		s := &rnnShape{rnnConfig: cfg, seq: seq, batch: batch, in: x.Shape[2], hidden: c.in[2].Shape[2]}
		H, G, B, T, D := s.hidden, kind.gates, s.batch, s.seq, s.dirs
		gh := G * H
		tape := &rnnTape{}
		for d := 0; d < D; d++ {
			tape.pre = append(tape.pre, make([]float32, T*B*gh))
			tape.rec = append(tape.rec, make([]float32, T*B*gh))
			tape.hPrev = append(tape.hPrev, make([]float32, T*B*H))
			tape.cPrev = append(tape.cPrev, make([]float32, T*B*H))
		}
		outs := make([]*Tensor, len(c.out))
		for i := range outs {
			outs[i] = &Tensor{}
		}
		s.forward(c.in, outs, make([]float32, s.scratchSize()), tape)
		grad := func(i int) []float32 {
			if i < len(c.gin) {
				return c.gin[i]
			}
			return nil
		}
		gout := func(i int) []float32 {
			if i < len(c.gout) {
				return c.gout[i]
			}
			return nil
		}
		opt := func(i int) []float32 {
			if i < len(c.in) && c.in[i] != nil {
				return c.in[i].F
			}
			return nil
		}
		gy, gyh, gyc := gout(0), gout(1), gout(2)
		for d := 0; d < D; d++ {
			if err := s.backDir(d, c.in, tape, gy, gyh, gyc, grad, opt); err != nil {
				return err
			}
		}
		return nil
	}
}

// actDeriv is the derivative of a recurrent activation at v.
func actDeriv(name string, v float32) (float32, error) {
	switch name {
	case "Sigmoid":
		y := 1 / (1 + math.Exp(-float64(v)))
		return float32(y * (1 - y)), nil
	case "Tanh":
		y := math.Tanh(float64(v))
		return float32(1 - y*y), nil
	case "Relu":
		if v > 0 {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("%w: derivative of activation %q", ErrNoGradient, name)
}

// dclamp is the derivative of clamp at v: 0 where clip cuts it.
func (s *rnnShape) dclamp(v float32) float32 {
	if s.clip > 0 && (v <= -s.clip || v >= s.clip) {
		return 0
	}
	return 1
}

// backDir accumulates the gradients of direction d.
func (s *rnnShape) backDir(d int, in []*Tensor, tape *rnnTape, gy, gyh, gyc []float32,
	grad func(int) []float32, opt func(int) []float32) error {
	H, G, B, T := s.hidden, s.kind.gates, s.batch, s.seq
	gh := G * H
	acts, names := s.acts[d], s.actNames[d]
	deriv := func(k int, v float32) float32 {
		g, _ := actDeriv(names[k], s.clamp(v))
		return g * s.dclamp(v)
	}
	for _, n := range names {
		if _, err := actDeriv(n, 0); err != nil {
			return err
		}
	}
	r := in[2].F[d*gh*H : (d+1)*gh*H]
	var rb, peep []float32
	if b := opt(3); b != nil {
		rb = b[d*2*gh+gh : (d+1)*2*gh]
	}
	if p := opt(7); p != nil {
		peep = p[d*3*H : (d+1)*3*H]
	}
	rev := s.reverse || d == 1
	dProj := make([]float32, T*B*gh) // by row of X
	dRec := make([]float32, B*gh)    // gradient of h·Rᵀ
	dRbh := make([]float32, H)       // GRU linear_before_reset's recurrent h bias
	dH, dC := make([]float32, B*H), make([]float32, B*H)
	dR := make([]float32, gh*H)
	var dP []float32
	if peep != nil {
		dP = make([]float32, 3*H)
	}
	for b := 0; b < B; b++ {
		if gyh != nil {
			copy(dH[b*H:(b+1)*H], gyh[s.stateAt(d, b):])
		}
		if gyc != nil {
			copy(dC[b*H:(b+1)*H], gyc[s.stateAt(d, b):])
		}
	}
	newDH := make([]float32, B*H)
	rH := make([]float32, B*H)  // GRU: r ⊙ h_prev
	dRH := make([]float32, B*H) // GRU: its gradient
	for step := T - 1; step >= 0; step-- {
		pre := tape.pre[d][step*B*gh : (step+1)*B*gh]
		recs := tape.rec[d][step*B*gh : (step+1)*B*gh]
		hPrev := tape.hPrev[d][step*B*H : (step+1)*B*H]
		cPrev := tape.cPrev[d][step*B*H : (step+1)*B*H]
		clear(dRec)
		copy(newDH, dH)
		for b := 0; b < B; b++ {
			if step >= tape.lens[b] {
				continue
			}
			t := step
			if rev {
				t = tape.lens[b] - 1 - step
			}
			dh := dH[b*H : (b+1)*H]
			if gy != nil {
				addTo(dh, gy[s.yAt(t, d, b):s.yAt(t, d, b)+H])
			}
			p := pre[b*gh : (b+1)*gh]
			dp := dProj[s.xRow(t, b)*gh : (s.xRow(t, b)+1)*gh]
			dr := dRec[b*gh : (b+1)*gh]
			ndh := newDH[b*H : (b+1)*H]
			hp, cp := hPrev[b*H:(b+1)*H], cPrev[b*H:(b+1)*H]
			switch s.kind.op {
			case "RNN":
				for j := 0; j < H; j++ {
					dp[j] = dh[j] * deriv(0, p[j])
					dr[j] = dp[j]
					ndh[j] = 0
				}
			case "GRU":
				for j := 0; j < H; j++ {
					z := acts[0](s.clamp(p[j]))
					rg := acts[0](s.clamp(p[H+j]))
					hh := acts[1](s.clamp(p[2*H+j]))
					dz := dh[j] * (hp[j] - hh)
					dpre := dh[j] * (1 - z) * deriv(1, p[2*H+j])
					ndh[j] = dh[j] * z
					var drg float32
					if s.lbr {
						drg = dpre * (recs[b*gh+2*H+j] + rb2(rb, H, j))
						dr[2*H+j] = dpre * rg
						dRbh[j] += dpre * rg
					} else {
						rH[b*H+j] = rg * hp[j]
					}
					dp[j] = dz * deriv(0, p[j])
					dp[H+j] = drg // completed below when !lbr
					dp[2*H+j] = dpre
				}
			case "LSTM":
				for j := 0; j < H; j++ {
					pi, po, pf, pc := p[j], p[H+j], p[2*H+j], p[3*H+j]
					i, o, f, cc := acts[0](s.clamp(pi)), acts[0](s.clamp(po)), acts[0](s.clamp(pf)), acts[1](s.clamp(pc))
					if s.inputForget {
						f = 1 - i
					}
					cn := f*cp[j] + i*cc
					hc := acts[2](cn)
					dhc, _ := actDeriv(names[2], cn)
					dpo := dh[j] * hc * deriv(0, po)
					dc := dC[b*H+j] + dh[j]*o*dhc
					if peep != nil {
						dc += dpo * peep[H+j]
						dP[H+j] += dpo * cn
					}
					di, dcc, df := dc*cc, dc*i, dc*cp[j]
					if s.inputForget {
						di -= df
						df = 0
					}
					dpi, dpf, dpc := di*deriv(0, pi), df*deriv(0, pf), dcc*deriv(1, pc)
					dC[b*H+j] = dc * f
					if peep != nil {
						dC[b*H+j] += dpi*peep[j] + dpf*peep[2*H+j]
						dP[j] += dpi * cp[j]
						dP[2*H+j] += dpf * cp[j]
					}
					dp[j], dp[H+j], dp[2*H+j], dp[3*H+j] = dpi, dpo, dpf, dpc
					dr[j], dr[H+j], dr[2*H+j], dr[3*H+j] = dpi, dpo, dpf, dpc
					ndh[j] = 0
				}
			}
		}
		if s.kind.op == "GRU" && !s.lbr {
			// h gate: (r ⊙ h_prev)·Rhᵀ.
			dPre := make([]float32, B*H)
			for b := 0; b < B; b++ {
				if step < tape.lens[b] {
					t := step
					if rev {
						t = tape.lens[b] - 1 - step
					}
					copy(dPre[b*H:(b+1)*H], dProj[s.xRow(t, b)*gh+2*H:s.xRow(t, b)*gh+3*H])
				}
			}
			blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
				blas32.General{Rows: B, Cols: H, Stride: H, Data: dPre},
				blas32.General{Rows: H, Cols: H, Stride: H, Data: r[2*H*H:]},
				0, blas32.General{Rows: B, Cols: H, Stride: H, Data: dRH})
			blas32.Gemm(blas.Trans, blas.NoTrans, 1,
				blas32.General{Rows: B, Cols: H, Stride: H, Data: dPre},
				blas32.General{Rows: B, Cols: H, Stride: H, Data: rH},
				1, blas32.General{Rows: H, Cols: H, Stride: H, Data: dR[2*H*H:]})
			for b := 0; b < B; b++ {
				if step >= tape.lens[b] {
					continue
				}
				t := step
				if rev {
					t = tape.lens[b] - 1 - step
				}
				dp := dProj[s.xRow(t, b)*gh : (s.xRow(t, b)+1)*gh]
				p := pre[b*gh : (b+1)*gh]
				for j := 0; j < H; j++ {
					rg := acts[0](s.clamp(p[H+j]))
					newDH[b*H+j] += dRH[b*H+j] * rg
					dp[H+j] = dRH[b*H+j] * hPrev[b*H+j] * deriv(0, p[H+j])
					dRec[b*gh+j] = dp[j]
					dRec[b*gh+H+j] = dp[H+j]
				}
			}
		} else if s.kind.op == "GRU" {
			for b := 0; b < B; b++ {
				if step >= tape.lens[b] {
					continue
				}
				t := step
				if rev {
					t = tape.lens[b] - 1 - step
				}
				dp := dProj[s.xRow(t, b)*gh : (s.xRow(t, b)+1)*gh]
				p := pre[b*gh : (b+1)*gh]
				for j := 0; j < H; j++ {
					dp[H+j] *= deriv(0, p[H+j])
					dRec[b*gh+j] = dp[j]
					dRec[b*gh+H+j] = dp[H+j]
				}
			}
		}
		// dh_prev += dRec·R, dR += dRecᵀ·h_prev.
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
			blas32.General{Rows: B, Cols: gh, Stride: gh, Data: dRec},
			blas32.General{Rows: gh, Cols: H, Stride: H, Data: r},
			1, blas32.General{Rows: B, Cols: H, Stride: H, Data: newDH})
		blas32.Gemm(blas.Trans, blas.NoTrans, 1,
			blas32.General{Rows: B, Cols: gh, Stride: gh, Data: dRec},
			blas32.General{Rows: B, Cols: H, Stride: H, Data: hPrev},
			1, blas32.General{Rows: gh, Cols: H, Stride: H, Data: dR})
		dH, newDH = newDH, dH
	}
	if g := grad(0); g != nil {
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
			blas32.General{Rows: T * B, Cols: gh, Stride: gh, Data: dProj},
			blas32.General{Rows: gh, Cols: s.in, Stride: s.in, Data: in[1].F[d*gh*s.in:]},
			1, blas32.General{Rows: T * B, Cols: s.in, Stride: s.in, Data: g})
	}
	if g := grad(1); g != nil {
		blas32.Gemm(blas.Trans, blas.NoTrans, 1,
			blas32.General{Rows: T * B, Cols: gh, Stride: gh, Data: dProj},
			blas32.General{Rows: T * B, Cols: s.in, Stride: s.in, Data: in[0].F},
			1, blas32.General{Rows: gh, Cols: s.in, Stride: s.in, Data: g[d*gh*s.in:]})
	}
	if g := grad(2); g != nil {
		addTo(g[d*gh*H:(d+1)*gh*H], dR)
	}
	if g := grad(3); g != nil {
		sum := make([]float32, gh)
		for row := 0; row < T*B; row++ {
			addTo(sum, dProj[row*gh:(row+1)*gh])
		}
		gw, gr := g[d*2*gh:d*2*gh+gh], g[d*2*gh+gh:(d+1)*2*gh]
		addTo(gw, sum)
		if s.lbr {
			copy(sum[2*H:], dRbh)
		}
		addTo(gr, sum)
	}
	if g := grad(5); g != nil {
		for b := 0; b < B; b++ {
			addTo(g[s.stateAt(d, b):s.stateAt(d, b)+H], dH[b*H:(b+1)*H])
		}
	}
	if g := grad(6); g != nil {
		for b := 0; b < B; b++ {
			addTo(g[s.stateAt(d, b):s.stateAt(d, b)+H], dC[b*H:(b+1)*H])
		}
	}
	if g := grad(7); g != nil && dP != nil {
		addTo(g[d*3*H:(d+1)*3*H], dP)
	}
	return nil
}
