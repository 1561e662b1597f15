package importer

import (
	"fmt"
	"math"
)

// normSpec describes a normalisation: x (seen with shape) is split into
// groups (gst gives each dim's stride into the group ids, 0 along the
// normalised dims); each group is centred and scaled to unit variance
// (or, with rms, scaled to unit root mean square), then multiplied by
// scale and shifted by bias, read through pst and bst (per dim strides
// into each parameter).
type normSpec struct {
	shape         []int
	gst, pst, bst []int
	groups        int
	rms           bool
	eps           float64
}

// stats returns each group's mean (0 with rms) and 1/sqrt(var + eps)
// (1/sqrt(mean square + eps) with rms), accumulated in float64.
func (s *normSpec) stats(x []float32) (mean, inv []float64) {
	mean, inv = make([]float64, s.groups), make([]float64, s.groups)
	cnt := make([]float64, s.groups)
	if !s.rms {
		forEachIndex(s.shape, s.gst, func(i, g int) { mean[g] += float64(x[i]); cnt[g]++ })
		for g := range mean {
			mean[g] /= max(cnt[g], 1)
		}
		cnt = make([]float64, s.groups)
	}
	forEachIndex(s.shape, s.gst, func(i, g int) {
		d := float64(x[i]) - mean[g]
		inv[g] += d * d
		cnt[g]++
	})
	for g := range inv {
		inv[g] = 1 / math.Sqrt(inv[g]/max(cnt[g], 1)+s.eps)
	}
	return mean, inv
}

// run writes the normalised x into y, applying scale and bias (nil when
// absent).
func (s *normSpec) run(x, y, scale, bias []float32) (mean, inv []float64) {
	mean, inv = s.stats(x)
	forEachIndex(s.shape, s.gst, func(i, g int) { y[i] = float32((float64(x[i]) - mean[g]) * inv[g]) })
	if scale == nil && bias == nil {
		return mean, inv
	}
	if scale != nil {
		forEachIndex(s.shape, s.pst, func(i, p int) { y[i] *= scale[p] })
	}
	if bias != nil {
		forEachIndex(s.shape, s.bst, func(i, p int) { y[i] += bias[p] })
	}
	return mean, inv
}

// back accumulates the gradients of x, scale and bias (nil when not
// wanted) from gy: with x̂ the normalised x and ĝ = gy·scale,
// dx = inv·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)) per group (no mean(ĝ) term with
// rms).
func (s *normSpec) back(x, gy, scale []float32, gx, gs, gb []float32) {
	mean, inv := s.stats(x)
	n := len(x)
	xh := make([]float64, n)
	gh := make([]float64, n)
	forEachIndex(s.shape, s.gst, func(i, g int) { xh[i] = (float64(x[i]) - mean[g]) * inv[g] })
	forEachIndex(s.shape, s.pst, func(i, p int) {
		gh[i] = float64(gy[i])
		if scale != nil {
			gh[i] *= float64(scale[p])
		}
		if gs != nil {
			gs[p] += float32(float64(gy[i]) * xh[i])
		}
	})
	if gb != nil {
		forEachIndex(s.shape, s.bst, func(i, p int) { gb[p] += gy[i] })
	}
	if gx == nil {
		return
	}
	mg, mgx, cnt := make([]float64, s.groups), make([]float64, s.groups), make([]float64, s.groups)
	forEachIndex(s.shape, s.gst, func(i, g int) { mg[g] += gh[i]; mgx[g] += gh[i] * xh[i]; cnt[g]++ })
	forEachIndex(s.shape, s.gst, func(i, g int) {
		c := max(cnt[g], 1)
		d := gh[i] - xh[i]*mgx[g]/c
		if !s.rms {
			d -= mg[g] / c
		}
		gx[i] += float32(inv[g] * d)
	})
}

// paramStrides returns the strides of a parameter of shape p
// unidirectionally broadcast to shape (right-aligned, 0 where p has 1).
func paramStrides(shape, p []int) ([]int, error) {
	if len(p) > len(shape) {
		return nil, fmt.Errorf("%w: parameter %v does not broadcast to %v", ErrShape, p, shape)
	}
	full := make([]int, len(shape))
	off := len(shape) - len(p)
	for i := range full {
		full[i] = 1
		if i >= off {
			full[i] = p[i-off]
			if full[i] != 1 && full[i] != shape[i] {
				return nil, fmt.Errorf("%w: parameter %v does not broadcast to %v", ErrShape, p, shape)
			}
		}
	}
	ps := stridesOf(full)
	st := make([]int, len(shape))
	for i := range st {
		if full[i] != 1 {
			st[i] = ps[i]
		}
	}
	return st, nil
}

// normOf builds the normSpec of a node from its input shapes.
func normOf(n *Node, in []*info) (*normSpec, error) {
	x := in[0]
	r := len(x.shape)
	eps := float64(n.attrFloat("epsilon", 1e-5))
	s := &normSpec{shape: x.shape, eps: eps, rms: n.Op == "RMSNormalization"}
	switch n.Op {
	case "LayerNormalization", "RMSNormalization":
		axis, err := normAxis(int(n.attrInt("axis", -1)), max(r, 1))
		if err != nil {
			return nil, err
		}
		s.groups = numel(x.shape[:axis])
		s.gst = append(stridesOf(x.shape[:axis]), make([]int, r-axis)...)
		if s.pst, err = paramStrides(x.shape, in[1].shape); err != nil {
			return nil, err
		}
		if b := input(in, 2); b != nil {
			if s.bst, err = paramStrides(x.shape, b.shape); err != nil {
				return nil, err
			}
		}
	case "InstanceNormalization", "GroupNormalization":
		if r < 3 {
			return nil, fmt.Errorf("%w: input %v needs N, C and spatial dims", ErrShape, x.shape)
		}
		N, C, S := x.shape[0], x.shape[1], numel(x.shape[2:])
		G := C
		if n.Op == "GroupNormalization" {
			G = int(n.attrInt("num_groups", 0))
			if G < 1 || C%G != 0 {
				return nil, fmt.Errorf("%w: %d channels in %d groups", ErrShape, C, G)
			}
		}
		pc := C
		if n.Op == "GroupNormalization" && n.Opset < 21 {
			pc = G // per-group scale and bias before opset 21
		}
		for _, p := range in[1:3] {
			if p == nil || numel(p.shape) != pc {
				return nil, fmt.Errorf("%w: scale and bias must hold %d values", ErrShape, pc)
			}
		}
		// View x as [N, G, C/G, S]: groups are (n, g); parameters by
		// channel (g, c) or by group.
		s.shape = []int{N, G, C / G, S}
		s.groups = N * G
		s.gst = []int{G, 1, 0, 0}
		s.pst = []int{0, C / G, 1, 0}
		if pc == G {
			s.pst = []int{0, 1, 0, 0}
		}
		s.bst = s.pst
	case "MeanVarianceNormalization":
		axes := n.attrInts("axes")
		if !n.has("axes") {
			axes = []int{0, 2, 3}
		}
		red := make([]bool, r)
		for _, a := range axes {
			a, err := normAxis(a, r)
			if err != nil {
				return nil, err
			}
			red[a] = true
		}
		kept := make([]int, r)
		for i, d := range x.shape {
			kept[i] = d
			if red[i] {
				kept[i] = 1
			}
		}
		ks := stridesOf(kept)
		s.gst = make([]int, r)
		for i := range s.gst {
			if !red[i] {
				s.gst[i] = ks[i]
			}
		}
		s.groups = numel(kept)
		s.eps = 0
		s.pst = make([]int, r)
	}
	return s, nil
}

// buildNorm handles LayerNormalization (with its optional Mean and
// InvStdDev outputs), RMSNormalization, InstanceNormalization,
// GroupNormalization and MeanVarianceNormalization.
func buildNorm(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	min := 3
	switch n.Op {
	case "LayerNormalization", "RMSNormalization":
		min = 2
	case "MeanVarianceNormalization":
		min = 1
	}
	if err := wantInputs(in, min); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0, 1, 2); err != nil {
		return nil, nil, err
	}
	s, err := normOf(n, in)
	if err != nil {
		return nil, nil, err
	}
	x := in[0]
	outs := []*info{{dt: Float32, shape: x.shape}}
	if n.Op == "LayerNormalization" {
		axis, _ := normAxis(int(n.attrInt("axis", -1)), max(len(x.shape), 1))
		st := append([]int{}, x.shape...)
		for i := axis; i < len(st); i++ {
			st[i] = 1
		}
		outs = append(outs, &info{dt: Float32, shape: st}, &info{dt: Float32, shape: st})
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		var scale, bias []float32
		if len(in) > 1 && in[1] != nil {
			scale = in[1].F
		}
		if len(in) > 2 && in[2] != nil {
			bias = in[2].F
		}
		mean, inv := s.run(in[0].F, out[0].F, scale, bias)
		if len(out) > 2 {
			for g := range mean {
				if out[1].F != nil {
					out[1].F[g] = float32(mean[g])
				}
				if out[2].F != nil {
					out[2].F[g] = float32(inv[g])
				}
			}
		}
	}}
	return outs, k, nil
}

// backNorm differentiates buildNorm's Y (LayerNormalization's Mean and
// InvStdDev outputs pass no gradient: asking one is an error).
func backNorm(c *backCtx) error {
	for j := 1; j < len(c.gout); j++ {
		for _, g := range c.gout[j] {
			if g != 0 {
				return fmt.Errorf("%w: through %s's output %d", ErrNoGradient, c.n.Op, j)
			}
		}
	}
	in := make([]*info, len(c.in))
	for i, t := range c.in {
		if t != nil {
			in[i] = &info{dt: t.DType, shape: t.Shape}
		}
	}
	s, err := normOf(c.n, in)
	if err != nil {
		return err
	}
	var scale, gs, gb []float32
	if len(c.in) > 1 && c.in[1] != nil {
		scale, gs = c.in[1].F, c.gin[1]
	}
	if len(c.in) > 2 && c.in[2] != nil {
		gb = c.gin[2]
	}
	s.back(c.in[0].F, c.gout[0], scale, c.gin[0], gs, gb)
	return nil
}

// buildLpNorm divides x by its L1 or L2 norm along an axis.
func buildLpNorm(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0); err != nil {
		return nil, nil, err
	}
	x := in[0]
	axis, err := normAxis(int(n.attrInt("axis", -1)), max(len(x.shape), 1))
	if err != nil {
		return nil, nil, err
	}
	p := n.attrInt("p", 2)
	if p != 1 && p != 2 {
		return nil, nil, fmt.Errorf("%w: p=%d (1 or 2)", ErrUnsupported, p)
	}
	outer, d, inner := axisInfo(x.shape, axis)
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		s, o := in[0].F, out[0].F
		for b := 0; b < outer; b++ {
			for j := 0; j < inner; j++ {
				base := b*d*inner + j
				norm := lpNorm(s, base, d, inner, p)
				for t := 0; t < d; t++ {
					e := base + t*inner
					o[e] = 0 // a zero vector stays zero
					if norm != 0 {
						o[e] = float32(float64(s[e]) / norm)
					}
				}
			}
		}
	}}
	return []*info{{dt: Float32, shape: x.shape}}, k, nil
}

func lpNorm(s []float32, base, d, inner int, p int64) float64 {
	norm := 0.0
	for t := 0; t < d; t++ {
		v := float64(s[base+t*inner])
		if p == 1 {
			norm += math.Abs(v)
		} else {
			norm += v * v
		}
	}
	if p == 2 {
		norm = math.Sqrt(norm)
	}
	return norm
}

// backLpNorm: dx = (g - dN·Σ g·y)/N with dN = sign(x) (p=1) or y (p=2).
func backLpNorm(c *backCtx) error {
	gx := c.gin[0]
	if gx == nil {
		return nil
	}
	x, y, gy := c.in[0].F, c.out[0].F, c.gout[0]
	axis, _ := normAxis(int(c.n.attrInt("axis", -1)), max(len(c.in[0].Shape), 1))
	p := c.n.attrInt("p", 2)
	outer, d, inner := axisInfo(c.in[0].Shape, axis)
	for b := 0; b < outer; b++ {
		for j := 0; j < inner; j++ {
			base := b*d*inner + j
			norm := lpNorm(x, base, d, inner, p)
			if norm == 0 {
				continue
			}
			dot := 0.0
			for t := 0; t < d; t++ {
				e := base + t*inner
				dot += float64(gy[e]) * float64(y[e])
			}
			for t := 0; t < d; t++ {
				e := base + t*inner
				dn := float64(y[e])
				if p == 1 {
					dn = 0
					if x[e] > 0 {
						dn = 1
					} else if x[e] < 0 {
						dn = -1
					}
				}
				gx[e] += float32((float64(gy[e]) - dn*dot) / norm)
			}
		}
	}
	return nil
}
