package importer

import (
	"fmt"
	"math"

	"github.com/hierlearn/hierlearn/internal/numeric/vec"
)

// buildReduce handles the Reduce* operators (axes as an attribute, or as
// an input: ReduceSum from opset 13, the others from 18). Float inputs
// are accumulated in float64; int64 inputs (Sum, Prod, Max, Min) and
// bool ones (Max, Min) exactly.
func buildReduce(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	op := n.Op
	intOK := op == "ReduceSum" || op == "ReduceProd" || op == "ReduceMax" || op == "ReduceMin"
	if (x.dt == Int64 && !intOK) || (x.dt == Bool && op != "ReduceMax" && op != "ReduceMin") {
		return nil, nil, fmt.Errorf("%w: %s of %v", ErrUnsupported, op, x.dt)
	}
	out, ost, noop, err := reduceShape(n, in)
	if err != nil {
		return nil, nil, err
	}
	if noop {
		// No axis is reduced; L1, L2, LogSum, LogSumExp and SumSquare
		// still apply their elementwise parts (ONNX clarified this in
		// 2025, onnx#7394; onnxruntime 1.24+ does so), the others are
		// the identity.
		switch op {
		case "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare":
		default:
			return []*info{{dt: x.dt, shape: x.shape}}, aliasKernel(), nil
		}
	}
	cnt := numel(x.shape) / max(1, numel(out))
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		xt := in[0]
		if x.dt == Float32 {
			reduceFloat(op, x.shape, ost, cnt, xt.F, o[0].F)
			return
		}
		reduceInt(op, x.shape, ost, xt.I, o[0].I)
	}}
	return []*info{{dt: x.dt, shape: out}}, k, nil
}

// noopReduce reports whether a Reduce node with these axes reduces
// nothing: no axes given and noop_with_empty_axes set.
// reduceShape reads a Reduce node's axes (input or attribute) and
// returns its output shape and each input dim's stride into the output
// (0 where the dim is reduced); noop reports noop_with_empty_axes with no
// axes given, where nothing is reduced.
func reduceShape(n *Node, in []*info) (out, ost []int, noop bool, err error) {
	x := in[0]
	var axes []int
	if axesInput(n) {
		axes, err = constInts(in, 1, "axes")
	} else {
		axes = n.attrInts("axes")
	}
	if err != nil {
		return nil, nil, false, err
	}
	r := len(x.shape)
	red := make([]bool, r)
	noop = noopReduce(n, axes)
	if len(axes) == 0 && !noop {
		for i := range red {
			red[i] = true
		}
	}
	for _, a := range axes {
		a, err := normAxis(a, r)
		if err != nil {
			return nil, nil, false, err
		}
		red[a] = true
	}
	keep := n.attrInt("keepdims", 1) != 0
	var kept []int
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
	ks := stridesOf(kept)
	ost = make([]int, r)
	for i := range ost {
		if !red[i] {
			ost[i] = ks[i]
		}
	}
	return out, ost, noop, nil
}

func noopReduce(n *Node, axes []int) bool {
	return len(axes) == 0 && n.attrInt("noop_with_empty_axes", 0) != 0
}

// reduceFloat reduces x (of shape) into y, ost giving each input dim's
// stride into y (0 where reduced); cnt is the number of elements per
// output.
func reduceFloat(op string, shape, ost []int, cnt int, x, y []float32) {
	acc := make([]float64, len(y))
	init := 0.0
	switch op {
	case "ReduceProd":
		init = 1
	case "ReduceMax", "ReduceLogSumExp":
		init = math.Inf(-1)
	case "ReduceMin":
		init = math.Inf(1)
	}
	for i := range acc {
		acc[i] = init
	}
	var shift []float64 // LogSumExp: the max of each output's elements
	if op == "ReduceLogSumExp" {
		forEachIndex(shape, ost, func(i, o int) { acc[o] = math.Max(acc[o], float64(x[i])) })
		shift = acc
		acc = make([]float64, len(y))
	}
	forEachIndex(shape, ost, func(i, o int) {
		v := float64(x[i])
		switch op {
		case "ReduceSum", "ReduceMean", "ReduceLogSum":
			acc[o] += v
		case "ReduceSumSquare", "ReduceL2":
			acc[o] += v * v
		case "ReduceL1":
			acc[o] += math.Abs(v)
		case "ReduceProd":
			acc[o] *= v
		case "ReduceMax":
			if v > acc[o] || v != v {
				acc[o] = v
			}
		case "ReduceMin":
			if v < acc[o] || v != v {
				acc[o] = v
			}
		case "ReduceLogSumExp":
			if !math.IsInf(shift[o], 0) {
				acc[o] += math.Exp(v - shift[o])
			}
		}
	})
	for i, v := range acc {
		switch op {
		case "ReduceMean":
			v /= float64(cnt)
		case "ReduceL2":
			v = math.Sqrt(v)
		case "ReduceLogSum":
			v = math.Log(v)
		case "ReduceLogSumExp":
			if math.IsInf(shift[i], 0) {
				v = shift[i]
			} else {
				v = math.Log(v) + shift[i]
			}
		}
		y[i] = float32(v)
	}
}

// reduceInt is reduceFloat for int64 and bool elements (Sum, Prod, Max,
// Min).
func reduceInt(op string, shape, ost []int, x, y []int64) {
	init := int64(0)
	switch op {
	case "ReduceProd":
		init = 1
	case "ReduceMax":
		init = math.MinInt64
	case "ReduceMin":
		init = math.MaxInt64
	}
	for i := range y {
		y[i] = init
	}
	forEachIndex(shape, ost, func(i, o int) {
		switch op {
		case "ReduceSum":
			y[o] += x[i]
		case "ReduceProd":
			y[o] *= x[i]
		case "ReduceMax":
			y[o] = max(y[o], x[i])
		case "ReduceMin":
			y[o] = min(y[o], x[i])
		}
	})
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

// softmaxAxes splits shape around the axis of a Softmax-like node
// (Softmax, LogSoftmax, Hardmax): before opset 13 the input is coerced to
// 2-D at axis (default 1), so length covers every dimension from axis on;
// from 13 it is one axis (default -1).
func softmaxAxes(n *Node, shape []int) (outer, length, inner int, err error) {
	def := int64(-1)
	if n.Opset < 13 {
		def = 1
	}
	axis, err := normAxis(int(n.attrInt("axis", def)), max(len(shape), 1))
	if err != nil {
		return 0, 0, 0, err
	}
	if n.Opset < 13 {
		return numel(shape[:axis]), numel(shape[axis:]), 1, nil
	}
	outer, length, inner = axisInfo(shape, axis)
	return outer, length, inner, nil
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
		outer, length, inner, err := softmaxAxes(n, x.shape)
		if err != nil {
			return nil, nil, err
		}
		// One exponential per element, stored and then scaled: math.Exp
		// in float64, twice per element, was a tenth of a BERT run.
		// Rows along the last axis (attention's) take the vectorised
		// e^-|x| of vec on x less its maximum; the rows are split over
		// the workers.
		workers := env.workers()
		k := &kernel{run: func(in, o []*Tensor, _ []float32) {
			src, dst := in[0].F, o[0].F
			parallel(workers, outer, outer*length*inner >= minSplitCopy, func(_, lo, hi int) {
				for b := lo; b < hi; b++ {
					for j := 0; j < inner; j++ {
						softmaxRow(src, dst, b*length*inner+j, length, inner, logOut)
					}
				}
			})
		}}
		return []*info{{dt: Float32, shape: x.shape}}, k, nil
	}
}

// softmaxRow computes the softmax (or log-softmax) of the length values
// of src from base, inner apart, into dst.
func softmaxRow(src, dst []float32, base, length, inner int, logOut bool) {
	m := float32(math.Inf(-1))
	for t := 0; t < length; t++ {
		m = max(m, src[base+t*inner])
	}
	switch {
	case math.IsInf(float64(m), 0) || m != m: // all -Inf, +Inf or NaN: as math.Exp would
		m64 := float64(m)
		for t := 0; t < length; t++ {
			dst[base+t*inner] = float32(math.Exp(float64(src[base+t*inner]) - m64))
		}
	case inner == 1:
		row := dst[base : base+length]
		for t, v := range src[base : base+length] {
			row[t] = v - m
		}
		vec.ExpNegAbs(row, row)
	default:
		for t := 0; t < length; t++ {
			dst[base+t*inner] = exp32(src[base+t*inner] - m)
		}
	}
	s := 0.0
	for t := 0; t < length; t++ {
		s += float64(dst[base+t*inner])
	}
	if logOut {
		ls := float32(math.Log(s))
		for t := 0; t < length; t++ {
			dst[base+t*inner] = src[base+t*inner] - m - ls
		}
		return
	}
	r := float32(1 / s)
	for t := 0; t < length; t++ {
		dst[base+t*inner] *= r
	}
}

// axesInput reports whether a Reduce* node takes its axes as an input
// (ReduceSum-13, every Reduce* from 18) rather than an attribute.
func axesInput(n *Node) bool {
	return n.Opset >= 18 || (n.Op == "ReduceSum" && n.Opset >= 13)
}
