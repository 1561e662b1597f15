package importer

import (
	"fmt"
	"math"
)

// gatherKernel returns a kernel that fills output element o with input
// element src[o]: a map precomputed at plan time, for data-movement
// operators whose output is no bigger than their input (their backward
// is backMove).
func gatherKernel(src []int) *kernel {
	return &kernel{run: func(in, out []*Tensor, _ []float32) {
		for o, s := range src {
			copyElem(out[0], o, in[0], s)
		}
	}}
}

// forEachOut calls fn(o, coord) for every element of shape in C order.
func forEachOut(shape []int, fn func(o int, coord []int)) {
	coord := make([]int, len(shape))
	total := numel(shape)
	for o := 0; o < total; o++ {
		fn(o, coord)
		for d := len(shape) - 1; d >= 0; d-- {
			coord[d]++
			if coord[d] < shape[d] {
				break
			}
			coord[d] = 0
		}
	}
}

// buildTile repeats the input repeats[i] times along each dim i.
func buildTile(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	x := in[0]
	reps, err := constInts(in, 1, "repeats")
	if err != nil {
		return nil, nil, err
	}
	if len(reps) != len(x.shape) {
		return nil, nil, fmt.Errorf("%w: repeats %v for shape %v", ErrShape, reps, x.shape)
	}
	out := make([]int64, len(reps))
	for i, r := range reps {
		if r < 0 || r > maxElems {
			return nil, nil, fmt.Errorf("%w: repeats %v", ErrBadInput, reps)
		}
		out[i] = int64(x.shape[i]) * int64(r)
	}
	if _, err := checkedNumel(out); err != nil {
		return nil, nil, fmt.Errorf("Tile output: %w", err)
	}
	shape := make([]int, len(out))
	for i, d := range out {
		shape[i] = int(d)
	}
	xs := stridesOf(x.shape)
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		forEachOut(shape, func(o int, c []int) {
			s := 0
			for d, v := range c {
				s += (v % x.shape[d]) * xs[d]
			}
			copyElem(out[0], o, in[0], s)
		})
	}}
	return []*info{{dt: x.dt, shape: shape}}, k, nil
}

// buildDepthSpace handles DepthToSpace (modes DCR and CRD) and
// SpaceToDepth on NCHW tensors.
func buildDepthSpace(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	b := int(n.attrInt("blocksize", 0))
	if len(x.shape) != 4 || b < 1 {
		return nil, nil, fmt.Errorf("%w: input %v with blocksize %d (want NCHW)", ErrShape, x.shape, b)
	}
	N, C, H, W := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	xs := stridesOf(x.shape)
	var out []int
	var src []int
	if n.Op == "DepthToSpace" {
		if C%(b*b) != 0 {
			return nil, nil, fmt.Errorf("%w: %d channels for blocksize %d", ErrShape, C, b)
		}
		oc := C / (b * b)
		out = []int{N, oc, H * b, W * b}
		crd := n.attrString("mode", "DCR") == "CRD"
		src = make([]int, numel(out))
		forEachOut(out, func(o int, c []int) {
			bh, bw := c[2]%b, c[3]%b
			ch := (bh*b+bw)*oc + c[1] // DCR: depth, then column, then row
			if crd {
				ch = c[1]*b*b + bh*b + bw
			}
			src[o] = c[0]*xs[0] + ch*xs[1] + (c[2]/b)*xs[2] + (c[3]/b)*xs[3]
		})
	} else {
		if H%b != 0 || W%b != 0 {
			return nil, nil, fmt.Errorf("%w: %dx%d for blocksize %d", ErrShape, H, W, b)
		}
		out = []int{N, C * b * b, H / b, W / b}
		src = make([]int, numel(out))
		forEachOut(out, func(o int, c []int) {
			blk, ch := c[1]/C, c[1]%C
			bh, bw := blk/b, blk%b
			src[o] = c[0]*xs[0] + ch*xs[1] + (c[2]*b+bh)*xs[2] + (c[3]*b+bw)*xs[3]
		})
	}
	return []*info{{dt: x.dt, shape: out}}, gatherKernel(src), nil
}

// buildTrilu keeps the upper (or lower) triangle of the last two dims,
// from diagonal k, and zeroes the rest.
func buildTrilu(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	r := len(x.shape)
	if r < 2 {
		return nil, nil, fmt.Errorf("%w: input %v needs two dims", ErrShape, x.shape)
	}
	kk := 0
	if ks, err := constInts(in, 1, "k"); err != nil {
		return nil, nil, err
	} else if len(ks) == 1 {
		kk = ks[0]
	}
	upper := n.attrInt("upper", 1) != 0
	R, C := x.shape[r-2], x.shape[r-1]
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		t, o := in[0], out[0]
		for e := 0; e < numel(x.shape); e++ {
			i, j := (e/C)%max(R, 1), e%C
			keep := j-i >= kk
			if !upper {
				keep = j-i <= kk
			}
			switch {
			case keep:
				copyElem(o, e, t, e)
			case t.DType == Float32:
				o.F[e] = 0
			default:
				o.I[e] = 0
			}
		}
	}}
	return []*info{{dt: x.dt, shape: x.shape}}, k, nil
}

// cumAxis reads CumSum's axis input (a constant scalar).
func cumAxis(n *Node, in []*info, r int) (int, error) {
	ax, err := constInts(in, 1, "axis")
	if err != nil {
		return 0, err
	}
	if len(ax) != 1 {
		return 0, fmt.Errorf("%w: axis %v must hold one value", ErrShape, ax)
	}
	return normAxis(ax[0], r)
}

// cumsum accumulates src into dst along an axis (outer, d, inner) in
// float64, exclusive and/or reverse as CumSum's attributes say.
func cumsum(dst, src []float32, outer, d, inner int, exclusive, reverse bool) {
	for b := 0; b < outer; b++ {
		for j := 0; j < inner; j++ {
			s := 0.0
			for t := 0; t < d; t++ {
				i := t
				if reverse {
					i = d - 1 - t
				}
				e := b*d*inner + i*inner + j
				v := float64(src[e])
				if exclusive {
					dst[e] = float32(s)
					s += v
				} else {
					s += v
					dst[e] = float32(s)
				}
			}
		}
	}
}

func buildCumSum(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	x := in[0]
	axis, err := cumAxis(n, in, max(len(x.shape), 1))
	if err != nil {
		return nil, nil, err
	}
	if len(x.shape) == 0 {
		return nil, nil, fmt.Errorf("%w: CumSum of a scalar", ErrShape)
	}
	outer, d, inner := axisInfo(x.shape, axis)
	excl, rev := n.attrInt("exclusive", 0) != 0, n.attrInt("reverse", 0) != 0
	if n.Op == "CumProd" {
		return []*info{{dt: x.dt, shape: x.shape}}, cumProdKernel(x.dt, outer, d, inner, excl, rev), nil
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		if x.dt == Float32 {
			cumsum(out[0].F, in[0].F, outer, d, inner, excl, rev)
			return
		}
		for b := 0; b < outer; b++ {
			for j := 0; j < inner; j++ {
				var s int64
				for t := 0; t < d; t++ {
					i := t
					if rev {
						i = d - 1 - t
					}
					e := b*d*inner + i*inner + j
					v := in[0].I[e]
					if excl {
						out[0].I[e] = s
						s += v
					} else {
						s += v
						out[0].I[e] = s
					}
				}
			}
		}
	}}
	return []*info{{dt: x.dt, shape: x.shape}}, k, nil
}

// backCumSum: the gradient of a cumulative sum is the cumulative sum of
// the gradient in the other direction.
func backCumSum(c *backCtx) error {
	gx := c.gin[0]
	if gx == nil {
		return nil
	}
	x := c.in[0]
	axis, _ := normAxis(int(c.in[1].I[0]), len(x.Shape))
	outer, d, inner := axisInfo(x.Shape, axis)
	g := make([]float32, len(gx))
	cumsum(g, c.gout[0], outer, d, inner, c.n.attrInt("exclusive", 0) != 0, c.n.attrInt("reverse", 0) == 0)
	addTo(gx, g)
	return nil
}

// buildRange: start, start+delta, ... below limit (above it for a
// negative delta); the three scalars must be known when the model is
// planned, and the length is checked before anything is allocated.
func buildRange(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 3); err != nil {
		return nil, nil, err
	}
	var v [3]float64
	for i := range v {
		if in[i].c == nil {
			return nil, nil, fmt.Errorf("Range input %d %w", i, errNotConst)
		}
		if in[i].c.Len() != 1 || in[i].dt != in[0].dt {
			return nil, nil, fmt.Errorf("%w: Range takes three scalars of one type", ErrShape)
		}
		v[i] = in[i].c.floatAt(0)
	}
	start, limit, delta := v[0], v[1], v[2]
	if delta == 0 {
		return nil, nil, fmt.Errorf("%w: Range delta is 0", ErrBadInput)
	}
	cnt := math.Max(math.Ceil((limit-start)/delta), 0)
	if !(cnt <= maxElems) {
		return nil, nil, fmt.Errorf("%w: Range of %v elements, more than %d", ErrBadInput, cnt, int64(maxElems))
	}
	dt := in[0].dt
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		o := out[0]
		if dt == Float32 {
			s, d := in[0].F[0], in[2].F[0]
			for i := range o.F {
				o.F[i] = s + float32(i)*d
			}
			return
		}
		s, d := in[0].I[0], in[2].I[0]
		for i := range o.I {
			o.I[i] = s + int64(i)*d
		}
	}}
	return []*info{{dt: dt, shape: []int{int(cnt)}}}, k, nil
}

// buildHardmax: 1 at the first maximum along the axis (from opset 13;
// before, over the input coerced to 2-D at axis), 0 elsewhere.
func buildHardmax(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0); err != nil {
		return nil, nil, err
	}
	outer, d, inner, err := softmaxAxes(n, in[0].shape)
	if err != nil {
		return nil, nil, err
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		s, o := in[0].F, out[0].F
		for i := range o {
			o[i] = 0
		}
		for b := 0; b < outer; b++ {
			for j := 0; j < inner; j++ {
				base := b*d*inner + j
				best := 0
				for i := 1; i < d; i++ {
					if s[base+i*inner] > s[base+best*inner] {
						best = i
					}
				}
				if d > 0 {
					o[base+best*inner] = 1
				}
			}
		}
	}}
	return []*info{{dt: Float32, shape: in[0].shape}}, k, nil
}

// buildCompress keeps the slices along axis (or the elements of the
// flattened input) where condition is true; the condition must be known
// when the model is planned (it sets the output's shape).
func buildCompress(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	x, cond := in[0], in[1]
	if cond.c == nil {
		return nil, nil, fmt.Errorf("condition %w", errNotConst)
	}
	shape := []int{numel(x.shape)}
	axis := 0
	if n.has("axis") {
		a, err := normAxis(int(n.attrInt("axis", 0)), len(x.shape))
		if err != nil {
			return nil, nil, err
		}
		shape, axis = x.shape, a
	}
	var keep []int
	for i, v := range cond.c.I {
		if i < shape[axis] && v != 0 {
			keep = append(keep, i)
		}
	}
	outer, d, inner := axisInfo(shape, axis)
	out := append([]int{}, shape...)
	out[axis] = len(keep)
	src := make([]int, 0, numel(out))
	for b := 0; b < outer; b++ {
		for _, i := range keep {
			for j := 0; j < inner; j++ {
				src = append(src, b*d*inner+i*inner+j)
			}
		}
	}
	return []*info{{dt: x.dt, shape: out}}, gatherKernel(src), nil
}

// buildNonZero lists the coordinates of the non-zero elements, one row
// per dim; the input must be known when the model is planned (it sets the
// output's shape).
func buildNonZero(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	if x.c == nil {
		return nil, nil, fmt.Errorf("NonZero's input %w", errNotConst)
	}
	r := len(x.shape)
	count := 0
	for o := range numel(x.shape) {
		if x.c.floatAt(o) != 0 {
			count++
		}
	}
	// Checked before allocating: a constant of many ones at a high rank
	// would give rank times as many coordinates.
	if _, err := checkedNumel([]int64{int64(r), int64(count)}); err != nil {
		return nil, nil, fmt.Errorf("%w: NonZero output %w", ErrBadInput, err)
	}
	t := &Tensor{DType: Int64, Shape: []int{r, count}, I: make([]int64, r*count)}
	j := 0
	forEachOut(x.shape, func(o int, c []int) {
		if x.c.floatAt(o) != 0 {
			for d, v := range c {
				t.I[d*count+j] = int64(v)
			}
			j++
		}
	})
	return []*info{constInfo(t)}, nil, nil
}

// srcKernel fills output element o with input element src[o], or zero
// where src[o] < 0 (padding); its backward is backMove.
func srcKernel(src []int) *kernel {
	return &kernel{run: func(in, out []*Tensor, _ []float32) {
		for o, s := range src {
			switch {
			case s >= 0:
				copyElem(out[0], o, in[0], s)
			case out[0].DType == Float32:
				out[0].F[o] = 0
			default:
				out[0].I[o] = 0
			}
		}
	}}
}

// buildCenterCropPad crops or zero-pads each listed axis to the target
// shape, centred (an odd difference puts the extra element at the end
// when padding, the crop window half an element left when cropping).
func buildCenterCropPad(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	x := in[0]
	target, err := constInts(in, 1, "shape")
	if err != nil {
		return nil, nil, err
	}
	r := len(x.shape)
	axes := n.attrInts("axes")
	if axes == nil {
		for i := 0; i < r; i++ {
			axes = append(axes, i)
		}
	}
	if len(target) != len(axes) {
		return nil, nil, fmt.Errorf("%w: shape %v for axes %v", ErrShape, target, axes)
	}
	out := append([]int{}, x.shape...)
	off := make([]int, r) // input index = output index + off
	for j, a := range axes {
		a, err := normAxis(a, r)
		if err != nil {
			return nil, nil, err
		}
		if target[j] < 0 || target[j] > maxElems {
			return nil, nil, fmt.Errorf("%w: shape %v", ErrBadInput, target)
		}
		out[a] = target[j]
		if d := x.shape[a] - target[j]; d >= 0 {
			off[a] = d / 2
		} else {
			off[a] = -((-d) / 2)
		}
	}
	if _, err := checkedNumel(toInt64s(out)); err != nil {
		return nil, nil, err
	}
	if numel(out) > foldLimit {
		return nil, nil, fmt.Errorf("%w: CenterCropPad output %v", ErrUnsupported, out)
	}
	xs := stridesOf(x.shape)
	src := make([]int, numel(out))
	forEachOut(out, func(o int, c []int) {
		s := 0
		for d, v := range c {
			i := v + off[d]
			if i < 0 || i >= x.shape[d] {
				s = -1
				break
			}
			s += i * xs[d]
		}
		src[o] = s
	})
	return []*info{{dt: x.dt, shape: out}}, srcKernel(src), nil
}

// buildReverseSequence reverses the first sequence_lens[b] elements
// along time_axis of each batch_axis slice b.
func buildReverseSequence(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	x := in[0]
	lens, err := constInts(in, 1, "sequence_lens")
	if err != nil {
		return nil, nil, err
	}
	ba, ta := int(n.attrInt("batch_axis", 1)), int(n.attrInt("time_axis", 0))
	if len(x.shape) < 2 || ba == ta || ba < 0 || ta < 0 || ba > 1 || ta > 1 || len(lens) != x.shape[ba] {
		return nil, nil, fmt.Errorf("%w: input %v, batch_axis %d, time_axis %d, sequence_lens %v", ErrShape, x.shape, ba, ta, lens)
	}
	xs := stridesOf(x.shape)
	src := make([]int, numel(x.shape))
	forEachOut(x.shape, func(o int, c []int) {
		t, l := c[ta], lens[c[ba]]
		if l < 0 || l > x.shape[ta] {
			l = x.shape[ta]
		}
		s := 0
		for d, v := range c {
			if d == ta && t < l {
				v = l - 1 - t
			}
			s += v * xs[d]
		}
		src[o] = s
	})
	return []*info{{dt: x.dt, shape: x.shape}}, srcKernel(src), nil
}

// cumProdKernel is CumSum's kernel with products (float64 accumulation
// for float32).
func cumProdKernel(dt DType, outer, d, inner int, excl, rev bool) *kernel {
	return &kernel{run: func(in, out []*Tensor, _ []float32) {
		for b := 0; b < outer; b++ {
			for j := 0; j < inner; j++ {
				pf, pi := 1.0, int64(1)
				for t := 0; t < d; t++ {
					i := t
					if rev {
						i = d - 1 - t
					}
					e := b*d*inner + i*inner + j
					if dt == Float32 {
						v := float64(in[0].F[e])
						if excl {
							out[0].F[e] = float32(pf)
							pf *= v
						} else {
							pf *= v
							out[0].F[e] = float32(pf)
						}
						continue
					}
					v := in[0].I[e]
					if excl {
						out[0].I[e] = pi
						pi *= v
					} else {
						pi *= v
						out[0].I[e] = pi
					}
				}
			}
		}
	}}
}
