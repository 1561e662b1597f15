package importer

import (
	"fmt"
	"math"
	"sort"
)

// copyElem sets dst[di] = src[si] (float32 or int64/bool data).
func copyElem(dst *Tensor, di int, src *Tensor, si int) {
	if dst.DType == Float32 {
		dst.F[di] = src.F[si]
	} else {
		dst.I[di] = src.I[si]
	}
}

// index normalises a possibly negative index into [0, d), stopping the
// kernel with ErrBadInput when it is out of range.
func index(v int64, d int, what string) int {
	if v < int64(-d) || v >= int64(d) {
		badInput("%s index %d out of range [%d, %d)", what, v, -d, d)
	}
	i := int(v)
	if i < 0 {
		i += d
	}
	if i < 0 || i >= d {
		badInput("%s index %d out of range [%d, %d)", what, v, -d, d)
	}
	return i
}

// wantIndices checks that input i holds integer indices.
func wantIndices(in []*info, i int) error {
	if x := input(in, i); x != nil && x.dt != Int64 {
		return fmt.Errorf("indices are %v, want int64 or int32", x.dt)
	}
	return nil
}

// checkConstIndices checks indices known when the model is planned
// against a dim of size d, so that a bad one is reported then.
func checkConstIndices(idx *info, d int, what string) error {
	if idx.c == nil {
		return nil
	}
	for _, v := range idx.c.I {
		if v < int64(-d) || v >= int64(d) {
			return fmt.Errorf("%w: %s index %d out of range [%d, %d)", ErrBadInput, what, v, -d, d)
		}
	}
	return nil
}

// buildGatherElements: out[i] = data[i with its axis coordinate replaced
// by indices[i]]; out has the indices' shape.
func buildGatherElements(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	if err := wantIndices(in, 1); err != nil {
		return nil, nil, err
	}
	x, idx := in[0], in[1]
	r := len(x.shape)
	if len(idx.shape) != r {
		return nil, nil, fmt.Errorf("%w: indices %v and data %v ranks differ", ErrShape, idx.shape, x.shape)
	}
	axis, err := normAxis(int(n.attrInt("axis", 0)), r)
	if err != nil {
		return nil, nil, err
	}
	xs := stridesOf(x.shape)
	d := x.shape[axis]
	if err := checkConstIndices(idx, d, "GatherElements"); err != nil {
		return nil, nil, err
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		ids := in[1].I
		coord := make([]int, r)
		for o := range ids {
			src := elementOffset(o, idx.shape, xs, axis, index(ids[o], d, "GatherElements"), coord)
			copyElem(out[0], o, in[0], src)
		}
	}}
	return []*info{{dt: x.dt, shape: idx.shape}}, k, nil
}

// buildGatherND gathers slices of data addressed by the last dim of
// indices, after batch_dims leading dims shared by both.
func buildGatherND(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	if err := wantIndices(in, 1); err != nil {
		return nil, nil, err
	}
	x, idx := in[0], in[1]
	b := int(n.attrInt("batch_dims", 0))
	q := len(idx.shape)
	if q < 1 || b < 0 || b >= q || b >= len(x.shape) {
		return nil, nil, fmt.Errorf("%w: indices %v, data %v, batch_dims %d", ErrShape, idx.shape, x.shape, b)
	}
	kd := idx.shape[q-1]
	if b+kd > len(x.shape) || !sameShape(x.shape[:b], idx.shape[:b]) {
		return nil, nil, fmt.Errorf("%w: indices %v do not address data %v (batch_dims %d)", ErrShape, idx.shape, x.shape, b)
	}
	out := append(append([]int{}, idx.shape[:q-1]...), x.shape[b+kd:]...)
	slice := numel(x.shape[b+kd:])
	batches := numel(x.shape[:b])
	perBatch := numel(idx.shape[b : q-1]) // index tuples per batch
	dataBatch := numel(x.shape[b:])
	xs := stridesOf(x.shape)
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		ids := in[1].I
		for bi := 0; bi < batches; bi++ {
			for t := 0; t < perBatch; t++ {
				tuple := ids[(bi*perBatch+t)*kd : (bi*perBatch+t+1)*kd]
				src := bi * dataBatch
				for j, v := range tuple {
					src += index(v, x.shape[b+j], "GatherND") * xs[b+j]
				}
				dst := (bi*perBatch + t) * slice
				for e := 0; e < slice; e++ {
					copyElem(o[0], dst+e, in[0], src+e)
				}
			}
		}
	}}
	return []*info{{dt: x.dt, shape: out}}, k, nil
}

// scatterReduce combines an update u into the value at dst[i]
// (reduction none, add, mul, max or min).
func scatterReduce(dst *Tensor, i int, u *Tensor, j int, red string) {
	if dst.DType == Float32 {
		a, b := dst.F[i], u.F[j]
		switch red {
		case "add":
			b = a + b
		case "mul":
			b = a * b
		case "max":
			b = max(a, b)
		case "min":
			b = min(a, b)
		}
		dst.F[i] = b
		return
	}
	a, b := dst.I[i], u.I[j]
	switch red {
	case "add":
		b = a + b
	case "mul":
		b = a * b
	case "max":
		b = max(a, b)
	case "min":
		b = min(a, b)
	}
	dst.I[i] = b
}

func checkScatter(n *Node) error {
	switch r := n.attrString("reduction", "none"); r {
	case "none", "add", "mul", "max", "min":
		return nil
	default:
		return fmt.Errorf("reduction %q", r)
	}
}

// buildScatterElements: a copy of data where updates[i] is written (or
// combined, with reduction) at i with its axis coordinate replaced by
// indices[i].
func buildScatterElements(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 3); err != nil {
		return nil, nil, err
	}
	if err := wantIndices(in, 1); err != nil {
		return nil, nil, err
	}
	x, idx, upd := in[0], in[1], in[2]
	r := len(x.shape)
	if len(idx.shape) != r || !sameShape(idx.shape, upd.shape) || upd.dt != x.dt {
		return nil, nil, fmt.Errorf("%w: data %v, indices %v, updates %v %v", ErrShape, x.shape, idx.shape, upd.dt, upd.shape)
	}
	axis, err := normAxis(int(n.attrInt("axis", 0)), r)
	if err != nil {
		return nil, nil, err
	}
	red := n.attrString("reduction", "none")
	xs := stridesOf(x.shape)
	d := x.shape[axis]
	if err := checkConstIndices(idx, d, "ScatterElements"); err != nil {
		return nil, nil, err
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		o := out[0]
		copy(o.F, in[0].F)
		copy(o.I, in[0].I)
		ids := in[1].I
		coord := make([]int, r)
		for u := range ids {
			dst := elementOffset(u, idx.shape, xs, axis, index(ids[u], d, "ScatterElements"), coord)
			scatterReduce(o, dst, in[2], u, red)
		}
	}}
	return []*info{{dt: x.dt, shape: x.shape}}, k, nil
}

// buildScatterND writes slices of updates at the positions addressed by
// the last dim of indices.
func buildScatterND(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 3); err != nil {
		return nil, nil, err
	}
	if err := wantIndices(in, 1); err != nil {
		return nil, nil, err
	}
	x, idx, upd := in[0], in[1], in[2]
	q := len(idx.shape)
	if q < 1 {
		return nil, nil, fmt.Errorf("%w: indices %v", ErrShape, idx.shape)
	}
	kd := idx.shape[q-1]
	want := append(append([]int{}, idx.shape[:q-1]...), x.shape[min(kd, len(x.shape)):]...)
	if kd > len(x.shape) || !sameShape(upd.shape, want) || upd.dt != x.dt {
		return nil, nil, fmt.Errorf("%w: data %v, indices %v, updates %v", ErrShape, x.shape, idx.shape, upd.shape)
	}
	red := n.attrString("reduction", "none")
	slice := numel(x.shape[kd:])
	tuples := numel(idx.shape[:q-1])
	xs := stridesOf(x.shape)
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		o := out[0]
		copy(o.F, in[0].F)
		copy(o.I, in[0].I)
		ids := in[1].I
		for t := 0; t < tuples; t++ {
			dst := 0
			for j, v := range ids[t*kd : (t+1)*kd] {
				dst += index(v, x.shape[j], "ScatterND") * xs[j]
			}
			for e := 0; e < slice; e++ {
				scatterReduce(o, dst+e, in[2], t*slice+e, red)
			}
		}
	}}
	return []*info{{dt: x.dt, shape: x.shape}}, k, nil
}

// backScatter: with reduction none, ScatterElements and ScatterND only
// move elements (backMove); with a reduction they have no derivative
// here.
func backScatter(c *backCtx) error {
	if r := c.n.attrString("reduction", "none"); r != "none" {
		return fmt.Errorf("%w: %s with reduction %q", ErrNoGradient, c.n.Op, r)
	}
	return backMove(c)
}

// axisInfo returns, for axis a of shape, the element counts before it,
// along it and after it.
func axisInfo(shape []int, a int) (outer, d, inner int) {
	return numel(shape[:a]), shape[a], numel(shape[a+1:])
}

// buildArgExtreme handles ArgMax and ArgMin (the first extreme, or the
// last with select_last_index=1).
func buildArgExtreme(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	if x.dt == Bool {
		return nil, nil, fmt.Errorf("%w: %s of bool", ErrUnsupported, n.Op)
	}
	r := len(x.shape)
	axis, err := normAxis(int(n.attrInt("axis", 0)), max(r, 1))
	if err != nil {
		return nil, nil, err
	}
	if r == 0 || x.shape[axis] == 0 {
		return nil, nil, fmt.Errorf("%w: %s over an empty axis", ErrShape, n.Op)
	}
	out := append([]int{}, x.shape...)
	out[axis] = 1
	if n.attrInt("keepdims", 1) == 0 {
		out = append(out[:axis], out[axis+1:]...)
	}
	outer, d, inner := axisInfo(x.shape, axis)
	isMax, last := n.Op == "ArgMax", n.attrInt("select_last_index", 0) != 0
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		t := in[0]
		for b := 0; b < outer; b++ {
			for j := 0; j < inner; j++ {
				base := b*d*inner + j
				best := 0
				bv := t.floatAt(base)
				for i := 1; i < d; i++ {
					v := t.floatAt(base + i*inner)
					better := v > bv
					if !isMax {
						better = v < bv
					}
					if better || (last && v == bv) {
						best, bv = i, v
					}
				}
				o[0].I[b*inner+j] = int64(best)
			}
		}
	}}
	return []*info{{dt: Int64, shape: out}}, k, nil
}

// buildTopK returns the k largest (or smallest) elements along an axis
// and their indices; k must be known when the model is planned. Equal
// values keep their order (the lower index first).
func buildTopK(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	if x.dt == Bool {
		return nil, nil, fmt.Errorf("%w: TopK of bool", ErrUnsupported)
	}
	var kk int
	if n.Opset < 10 {
		kk = int(n.attrInt("k", 0))
	} else {
		ks, err := constInts(in, 1, "K")
		if err != nil {
			return nil, nil, err
		}
		if len(ks) != 1 {
			return nil, nil, fmt.Errorf("%w: K %v must hold one value", ErrShape, ks)
		}
		kk = ks[0]
	}
	r := len(x.shape)
	axis, err := normAxis(int(n.attrInt("axis", -1)), max(r, 1))
	if err != nil {
		return nil, nil, err
	}
	if r == 0 || kk < 0 || kk > x.shape[axis] {
		return nil, nil, fmt.Errorf("%w: K=%d for axis %d of %v", ErrShape, kk, axis, x.shape)
	}
	out := append([]int{}, x.shape...)
	out[axis] = kk
	outer, d, inner := axisInfo(x.shape, axis)
	largest := n.attrInt("largest", 1) != 0
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		t := in[0]
		order := make([]int, d)
		for b := 0; b < outer; b++ {
			for j := 0; j < inner; j++ {
				base := b*d*inner + j
				for i := range order {
					order[i] = i
				}
				sort.SliceStable(order, func(p, q int) bool {
					u, v := t.floatAt(base+order[p]*inner), t.floatAt(base+order[q]*inner)
					if largest {
						return u > v
					}
					return u < v
				})
				for i := 0; i < kk; i++ {
					dst := b*kk*inner + i*inner + j
					copyElem(o[0], dst, t, base+order[i]*inner)
					o[1].I[dst] = int64(order[i])
				}
			}
		}
	}}
	return []*info{{dt: x.dt, shape: out}, {dt: Int64, shape: out}}, k, nil
}

// backTopK sends each value's gradient to the element it was taken from.
func backTopK(c *backCtx) error {
	gx := c.gin[0]
	if gx == nil {
		return nil
	}
	x, y := c.in[0], c.out[0]
	axis, _ := normAxis(int(c.n.attrInt("axis", -1)), len(x.Shape))
	outer, d, inner := axisInfo(x.Shape, axis)
	kk := y.Shape[axis]
	for b := 0; b < outer; b++ {
		for i := 0; i < kk; i++ {
			for j := 0; j < inner; j++ {
				o := b*kk*inner + i*inner + j
				gx[b*d*inner+int(c.out[1].I[o])*inner+j] += c.gout[0][o]
			}
		}
	}
	return nil
}

// buildOneHot: out[..., i, ...] = on where i == indices[...] (negative
// indices count from depth), off elsewhere; depth must be known when the
// model is planned.
func buildOneHot(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 3); err != nil {
		return nil, nil, err
	}
	idx, dep, vals := in[0], in[1], in[2]
	if dep.c == nil {
		return nil, nil, fmt.Errorf("depth %w", errNotConst)
	}
	if dep.c.Len() != 1 || vals.c == nil && numel(vals.shape) != 2 {
		return nil, nil, fmt.Errorf("%w: depth %v and values %v", ErrShape, dep.shape, vals.shape)
	}
	depth := int(dep.c.floatAt(0))
	if depth < 1 || depth > maxElems {
		return nil, nil, fmt.Errorf("%w: depth %d", ErrBadInput, depth)
	}
	r := len(idx.shape) + 1
	axis, err := normAxis(int(n.attrInt("axis", -1)), r)
	if err != nil {
		return nil, nil, err
	}
	out := append(append(append([]int{}, idx.shape[:axis]...), depth), idx.shape[axis:]...)
	if _, err := checkedNumel(toInt64s(out)); err != nil {
		return nil, nil, err
	}
	outer, inner := numel(idx.shape[:axis]), numel(idx.shape[axis:])
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		t, v, y := in[0], in[2], o[0]
		for b := 0; b < outer; b++ {
			for i := 0; i < depth; i++ {
				for j := 0; j < inner; j++ {
					copyElem(y, (b*depth+i)*inner+j, v, 0)
				}
			}
			for j := 0; j < inner; j++ {
				f := t.floatAt(b*inner + j)
				h := int(math.Trunc(f))
				if h < 0 {
					h += depth
				}
				if h >= 0 && h < depth {
					copyElem(y, (b*depth+h)*inner+j, v, 1)
				}
			}
		}
	}}
	return []*info{{dt: vals.dt, shape: out}}, k, nil
}

// elementOffset is the data offset (strides xs) of element u of an
// indices tensor of shape ishape, its coordinate on axis replaced by at:
// the addressing of GatherElements and ScatterElements. coord is scratch
// of len(ishape).
func elementOffset(u int, ishape, xs []int, axis, at int, coord []int) int {
	for j := len(ishape) - 1; j >= 0; j-- {
		coord[j] = u % ishape[j]
		u /= ishape[j]
	}
	coord[axis] = at
	off := 0
	for j, c := range coord {
		off += c * xs[j]
	}
	return off
}
