package importer

import (
	"fmt"
	"math"
)

// buildReduce handles ReduceSum and ReduceMean (axes as an attribute, or
// as an input: ReduceSum from opset 13, the others from 18).
func buildReduce(mean bool) buildFn {
	return func(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
		if err := wantInputs(in, 1); err != nil {
			return nil, nil, err
		}
		x := in[0]
		if x.dt == Bool || (mean && x.dt != Float32) {
			return nil, nil, fmt.Errorf("input is %v", x.dt)
		}
		var axes []int
		var err error
		if axesInput(n) {
			axes, err = constInts(in, 1, "axes")
		} else {
			axes = n.attrInts("axes")
		}
		if err != nil {
			return nil, nil, err
		}
		r := len(x.shape)
		red := make([]bool, r)
		if len(axes) == 0 {
			if n.attrInt("noop_with_empty_axes", 0) != 0 {
				return []*info{{dt: x.dt, shape: x.shape}}, aliasKernel(), nil
			}
			for i := range red {
				red[i] = true
			}
		}
		for _, a := range axes {
			a, err := normAxis(a, r)
			if err != nil {
				return nil, nil, err
			}
			red[a] = true
		}
		keep := n.attrInt("keepdims", 1) != 0
		var out, kept []int
		for i, d := range x.shape {
			if red[i] {
				kept = append(kept, 1)
				if keep {
					out = append(out, 1)
				}
			} else {
				kept = append(kept, d)
				out = append(out, d)
			}
		}
		if out == nil {
			out = []int{}
		}
		// Strides into the output for each input dim (0 where reduced).
		ks := stridesOf(kept)
		ost := make([]int, r)
		for i := range ost {
			if !red[i] {
				ost[i] = ks[i]
			}
		}
		cnt := numel(x.shape) / max(1, numel(out))
		k := &kernel{run: func(in, o []*Tensor, _ []float32) {
			xt := in[0]
			if x.dt == Float32 {
				acc := make([]float64, len(o[0].F))
				forEachIndex(x.shape, ost, func(i, oi int) { acc[oi] += float64(xt.F[i]) })
				for i, v := range acc {
					if mean {
						v /= float64(cnt)
					}
					o[0].F[i] = float32(v)
				}
				return
			}
			for i := range o[0].I {
				o[0].I[i] = 0
			}
			forEachIndex(x.shape, ost, func(i, oi int) { o[0].I[oi] += xt.I[i] })
		}}
		return []*info{{dt: x.dt, shape: out}}, k, nil
	}
}

// forEachIndex calls fn(i, o) for every C-order index i of shape with o
// the dot product of the multi-index and ost.
func forEachIndex(shape, ost []int, fn func(i, o int)) {
	r := len(shape)
	total := numel(shape)
	if r == 0 {
		if total == 1 {
			fn(0, 0)
		}
		return
	}
	idx := make([]int, r)
	o := 0
	for i := 0; i < total; i++ {
		fn(i, o)
		for d := r - 1; d >= 0; d-- {
			idx[d]++
			o += ost[d]
			if idx[d] < shape[d] {
				break
			}
			o -= ost[d] * idx[d]
			idx[d] = 0
		}
	}
}

// buildSoftmax handles Softmax and LogSoftmax: before opset 13 over the
// input coerced to 2-D at axis (default 1), from 13 along one axis
// (default -1).
func buildSoftmax(logOut bool) buildFn {
	return func(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
		if err := wantInputs(in, 1); err != nil {
			return nil, nil, err
		}
		if err := wantFloat(in, 0); err != nil {
			return nil, nil, err
		}
		x := in[0]
		r := len(x.shape)
		def := int64(-1)
		if n.Opset < 13 {
			def = 1
		}
		axis, err := normAxis(int(n.attrInt("axis", def)), max(r, 1))
		if err != nil {
			return nil, nil, err
		}
		var outer, length, inner int
		if n.Opset < 13 {
			outer, length, inner = numel(x.shape[:axis]), numel(x.shape[axis:]), 1
		} else {
			outer, length, inner = numel(x.shape[:axis]), x.shape[axis], numel(x.shape[axis+1:])
		}
		k := &kernel{run: func(in, o []*Tensor, _ []float32) {
			src, dst := in[0].F, o[0].F
			for b := 0; b < outer; b++ {
				for j := 0; j < inner; j++ {
					base := b*length*inner + j
					m := math.Inf(-1)
					for t := 0; t < length; t++ {
						m = math.Max(m, float64(src[base+t*inner]))
					}
					s := 0.0
					for t := 0; t < length; t++ {
						s += math.Exp(float64(src[base+t*inner]) - m)
					}
					ls := math.Log(s)
					for t := 0; t < length; t++ {
						v := float64(src[base+t*inner]) - m
						if logOut {
							dst[base+t*inner] = float32(v - ls)
						} else {
							dst[base+t*inner] = float32(math.Exp(v) / s)
						}
					}
				}
			}
		}}
		return []*info{{dt: Float32, shape: x.shape}}, k, nil
	}
}

// axesInput reports whether a Reduce* node takes its axes as an input
// (ReduceSum-13, every Reduce* from 18) rather than an attribute.
func axesInput(n *Node) bool {
	return n.Opset >= 18 || (n.Op == "ReduceSum" && n.Opset >= 13)
}
