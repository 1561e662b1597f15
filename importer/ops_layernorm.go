package importer

import (
	"fmt"
	"math"
)

// buildLayerNorm is LayerNormalization-17: Y = (X - mean) / sqrt(var +
// epsilon) * Scale + B over the axes from axis (default -1) to the last,
// with the optional Mean and InvStdDev outputs. The decomposed form that
// exporters write before opset 17 (ReduceMean, Sub, Pow, Sqrt, Div, Mul,
// Add) is fused into this node at load time (fuseLayerNorm).
func buildLayerNorm(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0, 1, 2); err != nil {
		return nil, nil, err
	}
	x := in[0]
	axis, err := normAxis(int(n.attrInt("axis", -1)), len(x.shape))
	if err != nil {
		return nil, nil, err
	}
	eps := float64(n.attrFloat("epsilon", 1e-5))
	rows, d := numel(x.shape[:axis]), numel(x.shape[axis:])
	for i, name := range []string{"", "Scale", "B"} {
		if p := input(in, i); i > 0 && p != nil && numel(p.shape) != d {
			return nil, nil, fmt.Errorf("%s %v does not match the normalized shape %v", name, p.shape, x.shape[axis:])
		}
	}
	stat := append(append([]int{}, x.shape[:axis]...), make([]int, len(x.shape)-axis)...)
	for i := axis; i < len(x.shape); i++ {
		stat[i] = 1
	}
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		var bias []float32
		if len(in) > 2 && in[2] != nil {
			bias = in[2].F
		}
		var mean, inv []float32
		if len(o) > 1 {
			mean = o[1].F
		}
		if len(o) > 2 {
			inv = o[2].F
		}
		for r := 0; r < rows; r++ {
			m, s := layerNormRow(o[0].F[r*d:(r+1)*d], in[0].F[r*d:(r+1)*d], in[1].F, bias, eps)
			if mean != nil {
				mean[r] = m
			}
			if inv != nil {
				inv[r] = s
			}
		}
	}}
	return []*info{{dt: Float32, shape: x.shape}, {dt: Float32, shape: stat}, {dt: Float32, shape: stat}}, k, nil
}

// layerNormRow normalizes one row x into y (scale, bias of its length;
// bias may be nil) and returns its mean and 1/sqrt(var+eps). Sums are in
// float64: rows of a few thousand values lose no digits that way.
func layerNormRow(y, x, scale, bias []float32, eps float64) (mean, inv float32) {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	m := s / float64(len(x))
	var ss float64
	for _, v := range x {
		c := float64(v) - m
		ss += c * c
	}
	is := 1 / math.Sqrt(ss/float64(len(x))+eps)
	mf, isf := float32(m), float32(is)
	if bias == nil {
		for i, v := range x {
			y[i] = (v - mf) * isf * scale[i]
		}
	} else {
		for i, v := range x {
			y[i] = (v-mf)*isf*scale[i] + bias[i]
		}
	}
	return mf, isf
}

// backLayerNorm: with xhat = (x - mean)·inv and g = dY·Scale per row,
// dX = inv·(g - mean(g) - xhat·mean(g·xhat)), dScale = Σ dY·xhat,
// dB = Σ dY. Gradients through the Mean and InvStdDev outputs are not
// supported (no exporter uses them).
func backLayerNorm(c *backCtx) error {
	for j := 1; j < len(c.gout); j++ {
		if c.gout[j] != nil && anyNonZero(c.gout[j]) {
			return fmt.Errorf("%w: gradient through output %d of LayerNormalization", ErrNoGradient, j)
		}
	}
	x, gy := c.in[0].F, c.gout[0]
	scale := c.in[1].F
	d := len(scale)
	eps := float64(c.n.attrFloat("epsilon", 1e-5))
	xhat := make([]float32, d)
	for r := 0; r*d < len(x); r++ {
		xr, gr := x[r*d:(r+1)*d], gy[r*d:(r+1)*d]
		m, inv := layerNormRow(xhat, xr, onesLike(d), nil, eps)
		_ = m
		if gs := c.gin[1]; gs != nil {
			for i, g := range gr {
				gs[i] += g * xhat[i]
			}
		}
		if len(c.gin) > 2 && c.gin[2] != nil {
			addTo(c.gin[2], gr)
		}
		gx := c.gin[0]
		if gx == nil {
			continue
		}
		var mg, mgx float64
		for i, g := range gr {
			gi := float64(g * scale[i])
			mg += gi
			mgx += gi * float64(xhat[i])
		}
		mg /= float64(d)
		mgx /= float64(d)
		for i, g := range gr {
			gi := float64(g * scale[i])
			gx[r*d+i] += float32(float64(inv) * (gi - mg - float64(xhat[i])*mgx))
		}
	}
	return nil
}

func anyNonZero(s []float32) bool {
	for _, v := range s {
		if v != 0 {
			return true
		}
	}
	return false
}

// onesLike returns n ones.
func onesLike(n int) []float32 {
	o := make([]float32, n)
	for i := range o {
		o[i] = 1
	}
	return o
}
