package importer

import (
	"fmt"
	"sort"
)

func buildShape(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	s := in[0].shape
	r := len(s)
	start, end := 0, r
	if n.Opset >= 15 {
		start, end = int(n.attrInt("start", 0)), int(n.attrInt("end", int64(r)))
		if start < 0 {
			start += r
		}
		if end < 0 {
			end += r
		}
		start, end = clamp(start, 0, r), clamp(end, 0, r)
		if end < start {
			end = start
		}
	}
	t := &Tensor{DType: Int64, Shape: []int{end - start}, I: toInt64s(s[start:end])}
	return []*info{constInfo(t)}, nil, nil
}

// buildSize: the element count of input 0, an int64 scalar known at
// plan time.
func buildSize(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	t := &Tensor{DType: Int64, Shape: []int{}, I: []int64{int64(numel(in[0].shape))}}
	return []*info{constInfo(t)}, nil, nil
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func reshapeOut(in *info, shape []int) []*info {
	return []*info{{dt: in.dt, shape: shape}}
}

func buildReshape(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	var spec []int
	var err error
	if n.Opset < 5 {
		spec = n.attrInts("shape")
	} else if spec, err = constInts(in, 1, "shape"); err != nil {
		return nil, nil, err
	}
	allowZero := n.attrInt("allowzero", 0) != 0
	x := in[0]
	out := make([]int, len(spec))
	infer := -1
	known := 1
	for i, d := range spec {
		switch {
		case d == 0 && !allowZero:
			if i >= len(x.shape) {
				return nil, nil, fmt.Errorf("shape %v copies dim %d of a rank-%d input", spec, i, len(x.shape))
			}
			out[i] = x.shape[i]
		case d == -1:
			if infer >= 0 {
				return nil, nil, fmt.Errorf("shape %v has two -1", spec)
			}
			infer = i
			continue
		case d < 0:
			return nil, nil, fmt.Errorf("shape %v has a negative dim", spec)
		default:
			out[i] = d
		}
		known *= out[i]
	}
	total := numel(x.shape)
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, nil, fmt.Errorf("cannot reshape %v to %v", x.shape, spec)
		}
		out[infer] = total / known
	} else if known != total {
		return nil, nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", x.shape, total, spec)
	}
	return reshapeOut(x, out), aliasKernel(), nil
}

func buildFlatten(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	axis := int(n.attrInt("axis", 1))
	if axis < 0 {
		axis += len(x.shape)
	}
	if axis < 0 || axis > len(x.shape) {
		return nil, nil, fmt.Errorf("axis %d out of range for rank %d", n.attrInt("axis", 1), len(x.shape))
	}
	return reshapeOut(x, []int{numel(x.shape[:axis]), numel(x.shape[axis:])}), aliasKernel(), nil
}

func axesOf(n *Node, in []*info, inputIdx int, sinceInput int64) ([]int, error) {
	if n.Opset >= sinceInput {
		return constInts(in, inputIdx, "axes")
	}
	return n.attrInts("axes"), nil
}

func buildSqueeze(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	axes, err := axesOf(n, in, 1, 13)
	if err != nil {
		return nil, nil, err
	}
	drop := map[int]bool{}
	for _, a := range axes {
		a, err := normAxis(a, len(x.shape))
		if err != nil {
			return nil, nil, err
		}
		if x.shape[a] != 1 {
			return nil, nil, fmt.Errorf("cannot squeeze axis %d of shape %v", a, x.shape)
		}
		drop[a] = true
	}
	var out []int
	for i, d := range x.shape {
		if (len(axes) == 0 && d == 1) || drop[i] {
			continue
		}
		out = append(out, d)
	}
	if out == nil {
		out = []int{}
	}
	return reshapeOut(x, out), aliasKernel(), nil
}

func buildUnsqueeze(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	axes, err := axesOf(n, in, 1, 13)
	if err != nil {
		return nil, nil, err
	}
	r := len(x.shape) + len(axes)
	ins := make([]bool, r)
	for _, a := range axes {
		a, err := normAxis(a, r)
		if err != nil {
			return nil, nil, err
		}
		if ins[a] {
			return nil, nil, fmt.Errorf("repeated axis %d", a)
		}
		ins[a] = true
	}
	out := make([]int, r)
	j := 0
	for i := range out {
		if ins[i] {
			out[i] = 1
		} else {
			out[i] = x.shape[j]
			j++
		}
	}
	return reshapeOut(x, out), aliasKernel(), nil
}

// copyStrided copies src (with element strides sst over shape) into dst
// (contiguous) for either data type.
func permuteCopy(dstF []float32, dstI []int64, srcF []float32, srcI []int64, shape, sst []int, base int) {
	r := len(shape)
	if r == 0 {
		if dstF != nil {
			dstF[0] = srcF[base]
		} else {
			dstI[0] = srcI[base]
		}
		return
	}
	idx := make([]int, r)
	off := base
	n := shape[r-1]
	is := sst[r-1]
	total := numel(shape)
	for o := 0; o < total; o += n {
		if dstF != nil {
			d := dstF[o : o+n]
			for i := range d {
				d[i] = srcF[off+i*is]
			}
		} else {
			d := dstI[o : o+n]
			for i := range d {
				d[i] = srcI[off+i*is]
			}
		}
		for k := r - 2; k >= 0; k-- {
			idx[k]++
			off += sst[k]
			if idx[k] < shape[k] {
				break
			}
			off -= sst[k] * idx[k]
			idx[k] = 0
		}
	}
}

func buildTranspose(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	r := len(x.shape)
	perm := n.attrInts("perm")
	if perm == nil {
		for i := r - 1; i >= 0; i-- {
			perm = append(perm, i)
		}
	}
	if len(perm) != r {
		return nil, nil, fmt.Errorf("perm %v for rank %d", perm, r)
	}
	seen := make([]bool, r)
	out := make([]int, r)
	st := stridesOf(x.shape)
	sst := make([]int, r)
	for i, p := range perm {
		if p < 0 || p >= r || seen[p] {
			return nil, nil, fmt.Errorf("bad perm %v", perm)
		}
		seen[p] = true
		out[i] = x.shape[p]
		sst[i] = st[p]
	}
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		permuteCopy(o[0].F, o[0].I, in[0].F, in[0].I, out, sst, 0)
	}}
	return []*info{{dt: x.dt, shape: out}}, k, nil
}

func buildConcat(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if len(in) == 0 || in[0] == nil {
		return nil, nil, fmt.Errorf("needs inputs")
	}
	r := len(in[0].shape)
	axis, err := normAxis(int(n.attrInt("axis", 0)), r)
	if err != nil {
		return nil, nil, err
	}
	out := append([]int{}, in[0].shape...)
	out[axis] = 0
	for _, x := range in {
		if x == nil || x.dt != in[0].dt || len(x.shape) != r {
			return nil, nil, fmt.Errorf("inputs must share type and rank")
		}
		for i := range x.shape {
			if i != axis && x.shape[i] != out[i] {
				return nil, nil, fmt.Errorf("shapes %v and %v differ off axis %d", in[0].shape, x.shape, axis)
			}
		}
		out[axis] += x.shape[axis]
	}
	outer := numel(out[:axis])
	inner := numel(out[axis+1:])
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		rowOut := out[axis] * inner
		off := 0
		for _, x := range in {
			w := x.Shape[axis] * inner
			for b := 0; b < outer; b++ {
				if x.DType == Float32 {
					copy(o[0].F[b*rowOut+off:b*rowOut+off+w], x.F[b*w:(b+1)*w])
				} else {
					copy(o[0].I[b*rowOut+off:b*rowOut+off+w], x.I[b*w:(b+1)*w])
				}
			}
			off += w
		}
	}}
	return []*info{{dt: in[0].dt, shape: out}}, k, nil
}

func buildSplit(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	axis, err := normAxis(int(n.attrInt("axis", 0)), len(x.shape))
	if err != nil {
		return nil, nil, err
	}
	var split []int
	if n.Opset >= 13 {
		if split, err = constInts(in, 1, "split"); err != nil {
			return nil, nil, err
		}
	} else {
		split = n.attrInts("split")
	}
	nout := len(n.Outputs)
	if split == nil && n.Opset >= 18 {
		// num_outputs parts of ceil(d/num_outputs), the last one smaller.
		parts := int(n.attrInt("num_outputs", 0))
		if parts != nout {
			return nil, nil, fmt.Errorf("num_outputs %d for %d outputs (one of split and num_outputs must be given)", parts, nout)
		}
		d := x.shape[axis]
		chunk := (d + parts - 1) / parts
		for i := 0; i < parts; i++ {
			split = append(split, max(0, min(chunk, d-i*chunk)))
		}
	}
	if split == nil {
		d := x.shape[axis]
		if nout == 0 || d%nout != 0 {
			return nil, nil, fmt.Errorf("cannot split dim %d into %d equal parts", d, nout)
		}
		for i := 0; i < nout; i++ {
			split = append(split, d/nout)
		}
	}
	sum := 0
	for _, s := range split {
		if s < 0 {
			return nil, nil, fmt.Errorf("negative split %v", split)
		}
		sum += s
	}
	if sum != x.shape[axis] || len(split) != nout {
		return nil, nil, fmt.Errorf("split %v does not match dim %d / %d outputs", split, x.shape[axis], nout)
	}
	var outs []*info
	for _, s := range split {
		sh := append([]int{}, x.shape...)
		sh[axis] = s
		outs = append(outs, &info{dt: x.dt, shape: sh})
	}
	outer := numel(x.shape[:axis])
	inner := numel(x.shape[axis+1:])
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		row := x.shape[axis] * inner
		off := 0
		for j, s := range split {
			w := s * inner
			for b := 0; b < outer; b++ {
				if x.dt == Float32 {
					copy(o[j].F[b*w:(b+1)*w], in[0].F[b*row+off:])
				} else {
					copy(o[j].I[b*w:(b+1)*w], in[0].I[b*row+off:])
				}
			}
			off += w
		}
	}}
	return outs, k, nil
}

func buildSlice(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	r := len(x.shape)
	var starts, ends, axes, steps []int
	var err error
	if n.Opset < 10 {
		starts, ends, axes = n.attrInts("starts"), n.attrInts("ends"), n.attrInts("axes")
	} else {
		if starts, err = constInts(in, 1, "starts"); err != nil {
			return nil, nil, err
		}
		if ends, err = constInts(in, 2, "ends"); err != nil {
			return nil, nil, err
		}
		if axes, err = constInts(in, 3, "axes"); err != nil {
			return nil, nil, err
		}
		if steps, err = constInts(in, 4, "steps"); err != nil {
			return nil, nil, err
		}
	}
	if len(starts) != len(ends) || (axes != nil && len(axes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return nil, nil, fmt.Errorf("starts, ends, axes, steps lengths differ")
	}
	st := make([]int, r)
	step := make([]int, r)
	out := append([]int{}, x.shape...)
	for i := range step {
		step[i] = 1
	}
	seen := map[int]bool{}
	for i := range starts {
		a := i
		if axes != nil {
			if a, err = normAxis(axes[i], r); err != nil {
				return nil, nil, err
			}
		}
		if seen[a] {
			return nil, nil, fmt.Errorf("repeated axis")
		}
		seen[a] = true
		s := 1
		if steps != nil {
			s = steps[i]
		}
		if s == 0 {
			return nil, nil, fmt.Errorf("step 0")
		}
		d := x.shape[a]
		b, e := starts[i], ends[i]
		if b < 0 {
			b += d
		}
		if e < 0 {
			e += d
		}
		if s > 0 {
			b, e = clamp(b, 0, d), clamp(e, 0, d)
			out[a] = 0
			if e > b {
				out[a] = (e - b + s - 1) / s
			}
		} else {
			b, e = clamp(b, -1, d-1), clamp(e, -1, d-1)
			out[a] = 0
			if b > e {
				out[a] = (b - e + (-s) - 1) / (-s)
			}
		}
		st[a], step[a] = b, s
	}
	xs := stridesOf(x.shape)
	sst := make([]int, r)
	base := 0
	for i := range sst {
		sst[i] = xs[i] * step[i]
		base += st[i] * xs[i]
	}
	if numel(out) == 0 {
		return []*info{{dt: x.dt, shape: out}}, &kernel{run: func(in, o []*Tensor, _ []float32) {}}, nil
	}
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		permuteCopy(o[0].F, o[0].I, in[0].F, in[0].I, out, sst, base)
	}}
	return []*info{{dt: x.dt, shape: out}}, k, nil
}

func buildGather(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	x, idx := in[0], in[1]
	if idx.dt != Int64 {
		return nil, nil, fmt.Errorf("indices must be int64 or int32")
	}
	axis, err := normAxis(int(n.attrInt("axis", 0)), len(x.shape))
	if err != nil {
		return nil, nil, err
	}
	out := append(append(append([]int{}, x.shape[:axis]...), idx.shape...), x.shape[axis+1:]...)
	outer := numel(x.shape[:axis])
	inner := numel(x.shape[axis+1:])
	d := x.shape[axis]
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		ids := in[1].I
		for b := 0; b < outer; b++ {
			for j, v := range ids {
				i := clampInt(v)
				if i < 0 {
					i += d
				}
				if i < 0 || i >= d {
					badInput("%s: index %d out of range [%d, %d) for axis %d of size %d", n.Inputs[1], v, -d, d, axis, d)
				}
				src := (b*d + i) * inner
				dst := (b*len(ids) + j) * inner
				if x.dt == Float32 {
					copy(o[0].F[dst:dst+inner], in[0].F[src:src+inner])
				} else {
					copy(o[0].I[dst:dst+inner], in[0].I[src:src+inner])
				}
			}
		}
	}}
	return []*info{{dt: x.dt, shape: out}}, k, nil
}

func buildConstantOfShape(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	shape, err := constInts(in, 0, "shape")
	if err != nil {
		return nil, nil, err
	}
	if shape == nil {
		shape = []int{}
	}
	if _, err := checkedNumel(toInt64s(shape)); err != nil {
		return nil, nil, err
	}
	val := &Tensor{DType: Float32, Shape: []int{1}, F: []float32{0}}
	if tp := n.attrTensor("value"); tp != nil {
		if val, err = tensorFromProto(tp, ""); err != nil {
			return nil, nil, err
		}
		if val.Len() != 1 {
			return nil, nil, fmt.Errorf("value must hold one element")
		}
	}
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		if val.DType == Float32 {
			for i := range o[0].F {
				o[0].F[i] = val.F[0]
			}
		} else {
			for i := range o[0].I {
				o[0].I[i] = val.I[0]
			}
		}
	}}
	return []*info{{dt: val.DType, shape: shape}}, k, nil
}

func buildExpand(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	spec, err := constInts(in, 1, "shape")
	if err != nil {
		return nil, nil, err
	}
	x := in[0]
	out, err := broadcastShape(x.shape, spec)
	if err != nil {
		return nil, nil, err
	}
	bc := newBcast(out, x.shape)
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		bc.rows(func(oi int, offs []int, n int, st []int) {
			for i := 0; i < n; i++ {
				if x.dt == Float32 {
					o[0].F[oi+i] = in[0].F[offs[0]+i*st[0]]
				} else {
					o[0].I[oi+i] = in[0].I[offs[0]+i*st[0]]
				}
			}
		})
	}}
	return []*info{{dt: x.dt, shape: out}}, k, nil
}

func checkPad(n *Node) error {
	switch m := n.attrString("mode", "constant"); m {
	case "constant", "reflect", "edge":
		return nil
	case "wrap":
		if n.Opset < 19 {
			return fmt.Errorf("pad mode \"wrap\" before opset 19")
		}
		return nil
	default:
		return fmt.Errorf("pad mode %q", m)
	}
}

func buildPad(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	x := in[0]
	r := len(x.shape)
	var pads []int
	var err error
	value := float64(n.attrFloat("value", 0))
	runtimeValue := false
	if n.Opset < 11 {
		pads = n.attrInts("pads")
		if pads == nil {
			pads = n.attrInts("paddings")
		}
	} else {
		if pads, err = constInts(in, 1, "pads"); err != nil {
			return nil, nil, err
		}
		if cv := input(in, 2); cv != nil {
			if cv.c == nil {
				runtimeValue = true
			} else if cv.c.Len() > 0 {
				value = cv.c.floatAt(0)
			}
		}
		if input(in, 3) != nil {
			if pads, err = padsOnAxes(in, pads, r); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(pads) != 2*r {
		return nil, nil, fmt.Errorf("pads %v for rank %d", pads, r)
	}
	mode := n.attrString("mode", "constant")
	out := make([]int, r)
	for i := range out {
		out[i] = x.shape[i] + pads[i] + pads[r+i]
		if out[i] < 0 {
			return nil, nil, fmt.Errorf("pads %v make shape %v negative", pads, x.shape)
		}
		if mode == "reflect" && (pads[i] >= x.shape[i] || pads[r+i] >= x.shape[i]) && (pads[i] > 0 || pads[r+i] > 0) {
			return nil, nil, fmt.Errorf("reflect pad %v too large for shape %v", pads, x.shape)
		}
		if (mode == "edge" || mode == "wrap") && x.shape[i]+min(0, pads[i])+min(0, pads[r+i]) <= 0 && out[i] > 0 {
			return nil, nil, fmt.Errorf("%s pad of an empty dim", mode)
		}
	}
	allZero := true
	for _, v := range pads {
		allZero = allZero && v == 0
	}
	if allZero {
		return []*info{{dt: x.dt, shape: out}}, aliasKernel(), nil
	}
	xs := stridesOf(x.shape)
	if mode == "constant" && x.dt == Float32 && r > 0 {
		// Fill, then copy the input's rows (last dim) into the interior,
		// cropping where pads are negative.
		os := stridesOf(out)
		lo := make([]int, r) // first input index kept per dim
		cnt := make([]int, r)
		for d := 0; d < r; d++ {
			lo[d] = max(0, -pads[d])
			cnt[d] = x.shape[d] - lo[d] - max(0, -pads[r+d])
		}
		k := &kernel{run: func(in, o []*Tensor, _ []float32) {
			v := float32(value)
			if runtimeValue && in[2].Len() > 0 {
				v = float32(in[2].floatAt(0))
			}
			dst := o[0].F
			for i := range dst {
				dst[i] = v
			}
			if numel(cnt) <= 0 {
				return
			}
			idx := make([]int, r)
			for {
				so, do := 0, 0
				for d := 0; d < r; d++ {
					j := lo[d] + idx[d]
					so += j * xs[d]
					do += (j + pads[d]) * os[d]
				}
				n := cnt[r-1]
				copy(dst[do:do+n], in[0].F[so:so+n])
				d := r - 2
				for ; d >= 0; d-- {
					idx[d]++
					if idx[d] < cnt[d] {
						break
					}
					idx[d] = 0
				}
				if d < 0 {
					return
				}
			}
		}}
		return []*info{{dt: x.dt, shape: out}}, k, nil
	}
	k := &kernel{run: func(in, o []*Tensor, _ []float32) {
		value := value
		if runtimeValue && in[2].Len() > 0 {
			value = in[2].floatAt(0)
		}
		idx := make([]int, r)
		total := numel(out)
		for oi := 0; oi < total; oi++ {
			// decode oi
			rem := oi
			for d := r - 1; d >= 0; d-- {
				idx[d] = rem % out[d]
				rem /= out[d]
			}
			src, inside := 0, true
			for d := 0; d < r; d++ {
				j := idx[d] - pads[d]
				n := x.shape[d]
				if j < 0 || j >= n {
					switch mode {
					case "constant":
						inside = false
					case "edge":
						j = clamp(j, 0, n-1)
					case "wrap":
						// Around what negative pads leave, [lo, lo+m).
						lo := max(0, -pads[d])
						m := n - lo - max(0, -pads[r+d])
						j = lo + ((j-lo)%m+m)%m
					case "reflect":
						for j < 0 || j >= n {
							if j < 0 {
								j = -j
							}
							if j >= n {
								j = 2*(n-1) - j
							}
						}
					}
				}
				if !inside {
					break
				}
				src += j * xs[d]
			}
			if x.dt == Float32 {
				if inside {
					o[0].F[oi] = in[0].F[src]
				} else {
					o[0].F[oi] = float32(value)
				}
			} else if inside {
				o[0].I[oi] = in[0].I[src]
			} else {
				o[0].I[oi] = int64(value)
			}
		}
	}}
	return []*info{{dt: x.dt, shape: out}}, k, nil
}

// sortedUnique returns sorted distinct axes.
func sortedUnique(a []int) []int {
	m := map[int]bool{}
	var out []int
	for _, v := range a {
		if !m[v] {
			m[v] = true
			out = append(out, v)
		}
	}
	sort.Ints(out)
	return out
}

// padsOnAxes expands Pad-18's pads for the axes given as input 3 (begins
// then ends, one per listed axis) to pads for every one of r dims.
func padsOnAxes(in []*info, pads []int, r int) ([]int, error) {
	axes, err := constInts(in, 3, "axes")
	if err != nil {
		return nil, err
	}
	if len(pads) != 2*len(axes) {
		return nil, fmt.Errorf("pads %v for axes %v", pads, axes)
	}
	full := make([]int, 2*r)
	seen := make([]bool, r)
	for i, a := range axes {
		if a, err = normAxis(a, r); err != nil {
			return nil, err
		}
		if seen[a] {
			return nil, fmt.Errorf("axis %d repeated in %v", a, axes)
		}
		seen[a] = true
		full[a], full[r+a] = pads[i], pads[len(axes)+i]
	}
	return full, nil
}
