package importer

import (
	"fmt"
	"math"

	"github.com/hierlearn/hierlearn/internal/numeric/vec"
)

// backCtx is one step of the tape seen by its backward function: the
// step's input and output values, the gradients of its outputs (gout, a
// zero slice where an output got none) and the gradient buffers of the
// inputs that need one (gin[j] nil otherwise), into which it accumulates.
type backCtx struct {
	n         *Node
	k         *kernel
	in, out   []*Tensor
	gout, gin [][]float32
	scratch   []float32
	bn        *bnStats // a training-mode BatchNormalization's batch statistics, when the forward kept them
}

// backFn maps output gradients to input gradients (accumulating).
type backFn func(c *backCtx) error

// backAlias: output 0 is input 0's data under another shape.
func backAlias(c *backCtx) error {
	if c.gin[0] != nil && c.gout[0] != nil {
		addTo(c.gin[0], c.gout[0])
	}
	return nil
}

// addTo adds src to dst[:len(src)] (vectorised: vec.Add with dst as its
// first operand).
func addTo(dst, src []float32) { vec.Add(dst[:len(src)], dst, src) }

func backUnary(c *backCtx) error {
	gx, gy, x, y := c.gin[0], c.gout[0], c.in[0].F, c.out[0].F
	if gx == nil {
		return nil
	}
	if c.n.Op == "Relu" { // the common case, vectorised and without a branch per element
		vec.AddWherePositive(gx, gy, x)
		return nil
	}
	alpha := c.n.attrFloat("alpha", 0.01)
	for i, g := range gy {
		var d float32
		switch c.n.Op {
		case "Relu":
			if x[i] > 0 {
				d = 1
			}
		case "LeakyRelu":
			d = 1
			if x[i] < 0 {
				d = alpha
			}
		case "Sigmoid":
			d = y[i] * (1 - y[i])
		case "Tanh":
			d = 1 - y[i]*y[i]
		case "Sqrt":
			d = 0.5 / y[i]
		case "Exp":
			d = y[i]
		case "Log":
			d = 1 / x[i]
		case "Neg":
			d = -1
		case "Abs":
			switch {
			case x[i] > 0:
				d = 1
			case x[i] < 0:
				d = -1
			}
		}
		gx[i] += g * d
	}
	return nil
}

// backClip passes the gradient where the input is inside [min, max]
// (torch's convention at the boundaries) and sends the rest to the bounds.
func backClip(c *backCtx) error {
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	if c.n.Opset < 11 {
		lo, hi = c.n.attrFloat("min", lo), c.n.attrFloat("max", hi)
	}
	if len(c.in) > 1 && c.in[1] != nil {
		lo = c.in[1].F[0]
	}
	if len(c.in) > 2 && c.in[2] != nil {
		hi = c.in[2].F[0]
	}
	for i, g := range c.gout[0] {
		v := c.in[0].F[i]
		switch {
		case v < lo:
			if len(c.gin) > 1 && c.gin[1] != nil {
				c.gin[1][0] += g
			}
		case v > hi:
			if len(c.gin) > 2 && c.gin[2] != nil {
				c.gin[2][0] += g
			}
		default:
			if c.gin[0] != nil {
				c.gin[0][i] += g
			}
		}
	}
	return nil
}

// backBinary handles the broadcasting Add, Sub, Mul, Div and Pow.
func backBinary(c *backCtx) error {
	a, b, y := c.in[0], c.in[1], c.out[0]
	ga, gb, gy := c.gin[0], c.gin[1], c.gout[0]
	if c.n.Op == "Add" && sameShape(a.Shape, y.Shape) && sameShape(b.Shape, y.Shape) { // a residual sum
		for _, gi := range [][]float32{ga, gb} {
			if gi != nil {
				addTo(gi, gy)
			}
		}
		return nil
	}
	bc := newBcast(y.Shape, a.Shape, b.Shape)
	op := c.n.Op
	bc.rows(func(o int, offs []int, n int, st []int) {
		for i := 0; i < n; i++ {
			ia, ib := offs[0]+i*st[0], offs[1]+i*st[1]
			g := gy[o+i]
			av, bv := a.F[ia], b.F[ib]
			var da, db float32
			switch op {
			case "Add":
				da, db = 1, 1
			case "Sub":
				da, db = 1, -1
			case "Mul":
				da, db = bv, av
			case "Div":
				da, db = 1/bv, -av/(bv*bv)
			case "Pow":
				da = float32(float64(bv) * math.Pow(float64(av), float64(bv)-1))
				if av > 0 {
					db = y.F[o+i] * float32(math.Log(float64(av)))
				}
			}
			if ga != nil {
				ga[ia] += g * da
			}
			if gb != nil {
				gb[ib] += g * db
			}
		}
	})
	return nil
}

// backVariadic: Sum and Mean pass the (scaled) gradient to every input,
// Max and Min to the input that was selected (the first on ties).
func backVariadic(c *backCtx) error {
	y := c.out[0]
	gy := c.gout[0]
	scale := float32(1)
	if c.n.Op == "Mean" {
		scale = 1 / float32(len(c.in))
	}
	taken := make([]bool, len(gy))
	for j, x := range c.in {
		bc := newBcast(y.Shape, y.Shape, x.Shape)
		gx := c.gin[j]
		bc.rows(func(o int, offs []int, n int, st []int) {
			for i := 0; i < n; i++ {
				xi := offs[1] + i*st[1]
				switch c.n.Op {
				case "Sum", "Mean":
					if gx != nil {
						gx[xi] += scale * gy[o+i]
					}
				default:
					if !taken[o+i] && x.F[xi] == y.F[o+i] {
						taken[o+i] = true
						if gx != nil {
							gx[xi] += gy[o+i]
						}
					}
				}
			}
		})
	}
	return nil
}

func backGlobalPool(c *backCtx) error {
	x, y, gx, gy := c.in[0], c.out[0], c.gin[0], c.gout[0]
	if gx == nil {
		return nil
	}
	plane := numel(x.Shape[2:])
	for p, g := range gy {
		s := x.F[p*plane : (p+1)*plane]
		d := gx[p*plane : (p+1)*plane]
		if c.n.Op == "GlobalAveragePool" {
			g /= float32(plane)
			for i := range d {
				d[i] += g
			}
			continue
		}
		for i, v := range s {
			if v == y.F[p] {
				d[i] += g
				break
			}
		}
	}
	return nil
}

// backReduce broadcasts the output gradient back over the reduced axes,
// times each Reduce*'s derivative (ReduceMax/Min: to the first element
// equal to the result).
func backReduce(c *backCtx) error {
	x, y, gx, gy := c.in[0], c.out[0], c.gin[0], c.gout[0]
	if gx == nil {
		return nil
	}
	// Reduced axes: those where the input and the keepdims output differ,
	// recovered from the element counts and the attribute/input axes.
	var axes []int
	var err error
	if axesInput(c.n) {
		if len(c.in) > 1 && c.in[1] != nil {
			axes = c.in[1].ints()
		}
	} else {
		axes = c.n.attrInts("axes")
	}
	r := len(x.Shape)
	red := make([]bool, r)
	if len(axes) == 0 && !noopReduce(c.n, axes) {
		for i := range red {
			red[i] = true
		}
	}
	for _, a := range axes {
		if a, err = normAxis(a, r); err != nil {
			return err
		}
		red[a] = true
	}
	kept := make([]int, r)
	for i, d := range x.Shape {
		kept[i] = d
		if red[i] {
			kept[i] = 1
		}
	}
	ks := stridesOf(kept)
	ost := make([]int, r)
	for i := range ost {
		if !red[i] {
			ost[i] = ks[i]
		}
	}
	scale := float32(1)
	if c.n.Op == "ReduceMean" {
		scale = float32(len(y.F)) / float32(max(1, len(x.F)))
	}
	taken := make([]bool, len(y.F)) // Max, Min: the first element equal to the result
	forEachIndex(x.Shape, ost, func(i, o int) {
		xv, yv, g := x.F[i], y.F[o], gy[o]
		switch c.n.Op {
		case "ReduceSum", "ReduceMean":
			gx[i] += scale * g
		case "ReduceSumSquare":
			gx[i] += 2 * xv * g
		case "ReduceL1":
			if xv > 0 {
				gx[i] += g
			} else if xv < 0 {
				gx[i] -= g
			}
		case "ReduceL2":
			if yv != 0 {
				gx[i] += xv / yv * g
			}
		case "ReduceLogSum":
			gx[i] += g / float32(math.Exp(float64(yv)))
		case "ReduceLogSumExp":
			gx[i] += g * float32(math.Exp(float64(xv)-float64(yv)))
		case "ReduceMax", "ReduceMin":
			if !taken[o] && xv == yv {
				taken[o] = true
				gx[i] += g
			}
		}
	})
	return nil
}

func backSoftmax(c *backCtx) error {
	x, y, gx, gy := c.in[0], c.out[0], c.gin[0], c.gout[0]
	if gx == nil {
		return nil
	}
	r := len(x.Shape)
	def := int64(-1)
	if c.n.Opset < 13 {
		def = 1
	}
	axis, err := normAxis(int(c.n.attrInt("axis", def)), max(r, 1))
	if err != nil {
		return err
	}
	var outer, length, inner int
	if c.n.Opset < 13 {
		outer, length, inner = numel(x.Shape[:axis]), numel(x.Shape[axis:]), 1
	} else {
		outer, length, inner = numel(x.Shape[:axis]), x.Shape[axis], numel(x.Shape[axis+1:])
	}
	logOut := c.n.Op == "LogSoftmax"
	for b := 0; b < outer; b++ {
		for j := 0; j < inner; j++ {
			base := b*length*inner + j
			s := 0.0
			for t := 0; t < length; t++ {
				i := base + t*inner
				if logOut {
					s += float64(gy[i])
				} else {
					s += float64(gy[i]) * float64(y.F[i])
				}
			}
			for t := 0; t < length; t++ {
				i := base + t*inner
				if logOut {
					gx[i] += gy[i] - float32(math.Exp(float64(y.F[i]))*s)
				} else {
					gx[i] += y.F[i] * (gy[i] - float32(s))
				}
			}
		}
	}
	return nil
}

// backMove differentiates the data-movement operators (Transpose, Concat,
// Split, Slice, Gather, Pad, Expand, Where, float Cast): every output
// element is a copy of one input element or a constant. Rather than a
// transpose per operator, the forward kernel itself is run twice on the
// float inputs replaced by their element numbers (k+1, then 2(k+1),
// exact in float32 below 2^23 elements): an output element that holds
// k+1 and then 2(k+1) is a copy of element k, one that holds the same
// value twice is a constant (a pad). Non-float inputs (indices,
// conditions) keep their recorded values.
func backMove(c *backCtx) error {
	if (c.n.Op == "Cast" || c.n.Op == "CastLike") && (c.in[0].DType != Float32 || c.out[0].DType != Float32) {
		return nil
	}
	total := 0
	base := make([]int, len(c.in))
	for j, x := range c.in {
		if x != nil && x.DType == Float32 {
			base[j] = total
			total += len(x.F)
		}
	}
	if total >= 1<<23 {
		return fmt.Errorf("%d input elements: too many for the gradient's index map", total)
	}
	run := func(mult float32) ([]*Tensor, error) {
		in := make([]*Tensor, len(c.in))
		for j, x := range c.in {
			in[j] = x
			if x != nil && x.DType == Float32 {
				e := &Tensor{DType: Float32, Shape: x.Shape, F: make([]float32, len(x.F))}
				for i := range e.F {
					e.F[i] = mult * float32(base[j]+i+1)
				}
				in[j] = e
			}
		}
		out := make([]*Tensor, len(c.out))
		for j, o := range c.out {
			out[j] = &Tensor{DType: o.DType, Shape: o.Shape}
			if o.DType == Float32 {
				out[j].F = make([]float32, len(o.F))
			} else {
				out[j].I = make([]int64, len(o.I))
			}
		}
		c.k.run(in, out, make([]float32, c.k.scratch))
		return out, nil
	}
	o1, err := run(1)
	if err != nil {
		return err
	}
	o2, err := run(2)
	if err != nil {
		return err
	}
	for j := range c.out {
		if c.out[j].DType != Float32 || c.gout[j] == nil {
			continue
		}
		for i, v := range o1[j].F {
			if v < 1 || o2[j].F[i] != 2*v {
				continue // a constant
			}
			src := int(v) - 1
			k := len(base) - 1
			for k > 0 && (c.in[k] == nil || c.in[k].DType != Float32 || base[k] > src) {
				k--
			}
			if c.gin[k] != nil {
				c.gin[k][src-base[k]] += c.gout[j][i]
			}
		}
	}
	return nil
}
