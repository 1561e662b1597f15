package importer

import (
	"fmt"
	"math"
)

// tap is one input index and its weight in an output coordinate of one
// axis.
type tap struct {
	i int
	w float64
}

// resizePlan is a separable resampling: for each axis and output
// coordinate, the input taps (outside marks tf_crop_and_resize
// coordinates outside the input, which take the extrapolation value).
type resizePlan struct {
	in, out []int
	taps    [][][]tap
	outside [][]bool
	extrap  float32
}

func checkResize(n *Node) error {
	switch m := n.attrString("mode", "nearest"); m {
	case "nearest", "linear", "cubic":
	default:
		return fmt.Errorf("mode %q", m)
	}
	switch m := n.attrString("coordinate_transformation_mode", "half_pixel"); m {
	case "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize":
	default:
		return fmt.Errorf("coordinate_transformation_mode %q", m)
	}
	switch m := n.attrString("nearest_mode", "round_prefer_floor"); m {
	case "round_prefer_floor", "round_prefer_ceil", "floor", "ceil":
	default:
		return fmt.Errorf("nearest_mode %q", m)
	}
	switch m := n.attrString("keep_aspect_ratio_policy", "stretch"); m {
	case "stretch", "not_larger", "not_smaller":
	default:
		return fmt.Errorf("keep_aspect_ratio_policy %q", m)
	}
	return nil
}

// constFloats returns the contents of a float input known when the model
// is planned (nil when absent or empty).
func constFloats(in []*info, i int, what string) ([]float64, error) {
	x := input(in, i)
	if x == nil || numel(x.shape) == 0 {
		return nil, nil
	}
	if x.c == nil {
		return nil, fmt.Errorf("%s %w", what, errNotConst)
	}
	out := make([]float64, x.c.Len())
	for j := range out {
		out[j] = x.c.floatAt(j)
	}
	return out, nil
}

// resizeOf works out the output shape and the taps of a Resize node.
func resizeOf(n *Node, in []*info) (*resizePlan, error) {
	x := in[0]
	r := len(x.shape)
	axes := n.attrInts("axes")
	if axes == nil {
		for i := 0; i < r; i++ {
			axes = append(axes, i)
		}
	}
	for j, a := range axes {
		a, err := normAxis(a, r)
		if err != nil {
			return nil, err
		}
		axes[j] = a
	}
	roi, err := constFloats(in, 1, "roi")
	if err != nil {
		return nil, err
	}
	scalesIn, err := constFloats(in, 2, "scales")
	if err != nil {
		return nil, err
	}
	sizesIn, err := constInts(in, 3, "sizes")
	if err != nil {
		return nil, err
	}
	if len(sizesIn) > 0 && len(scalesIn) > 0 || len(sizesIn) == 0 && len(scalesIn) == 0 {
		return nil, fmt.Errorf("%w: exactly one of scales and sizes must be given", ErrBadInput)
	}
	scale := make([]float64, r)
	out := append([]int{}, x.shape...)
	for i := range scale {
		scale[i] = 1
	}
	if len(scalesIn) > 0 {
		if len(scalesIn) != len(axes) {
			return nil, fmt.Errorf("%w: %d scales for %d axes", ErrShape, len(scalesIn), len(axes))
		}
		for j, a := range axes {
			if !(scalesIn[j] > 0) {
				return nil, fmt.Errorf("%w: scale %v", ErrBadInput, scalesIn[j])
			}
			scale[a] = scalesIn[j]
			o := math.Floor(float64(x.shape[a]) * scalesIn[j])
			if o > maxElems {
				return nil, fmt.Errorf("%w: Resize to %v elements along axis %d", ErrBadInput, o, a)
			}
			out[a] = int(o)
		}
	} else {
		if len(sizesIn) != len(axes) {
			return nil, fmt.Errorf("%w: %d sizes for %d axes", ErrShape, len(sizesIn), len(axes))
		}
		policy := n.attrString("keep_aspect_ratio_policy", "stretch")
		common := math.Inf(1)
		if policy == "not_smaller" {
			common = 0
		}
		for j, a := range axes {
			if sizesIn[j] < 0 || sizesIn[j] > maxElems {
				return nil, fmt.Errorf("%w: size %d", ErrBadInput, sizesIn[j])
			}
			s := float64(sizesIn[j]) / float64(x.shape[a])
			scale[a] = s
			out[a] = sizesIn[j]
			if policy == "not_larger" {
				common = math.Min(common, s)
			} else if policy == "not_smaller" {
				common = math.Max(common, s)
			}
		}
		if policy != "stretch" {
			for _, a := range axes {
				scale[a] = common
				out[a] = int(math.Floor(float64(x.shape[a])*common + 0.5))
			}
		}
	}
	if _, err := checkedNumel(toInt64s(out)); err != nil {
		return nil, fmt.Errorf("Resize output: %w", err)
	}
	mode := n.attrString("mode", "nearest")
	ctm := n.attrString("coordinate_transformation_mode", "half_pixel")
	nearest := n.attrString("nearest_mode", "round_prefer_floor")
	a := float64(n.attrFloat("cubic_coeff_a", -0.75))
	exclude := n.attrInt("exclude_outside", 0) != 0
	antialias := n.attrInt("antialias", 0) != 0
	p := &resizePlan{in: x.shape, out: out, taps: make([][][]tap, r), outside: make([][]bool, r),
		extrap: n.attrFloat("extrapolation_value", 0)}
	for d := 0; d < r; d++ {
		inLen, outLen, s := x.shape[d], out[d], scale[d]
		start, end := 0.0, 1.0
		if len(roi) == 2*r {
			start, end = roi[d], roi[r+d]
		} else if len(roi) == 2*len(axes) {
			for j, ax := range axes {
				if ax == d {
					start, end = roi[j], roi[len(axes)+j]
				}
			}
		}
		p.taps[d] = make([][]tap, outLen)
		p.outside[d] = make([]bool, outLen)
		for o := 0; o < outLen; o++ {
			if inLen == outLen && s == 1 && ctm != "tf_crop_and_resize" {
				p.taps[d][o] = []tap{{o, 1}}
				continue
			}
			xo := float64(o)
			var xi float64
			switch ctm {
			case "half_pixel":
				xi = (xo+0.5)/s - 0.5
			case "half_pixel_symmetric":
				adj := float64(outLen) / (s * float64(inLen))
				center := float64(inLen) / 2
				xi = center*(1-adj) + (xo+0.5)/s - 0.5
			case "pytorch_half_pixel":
				if outLen > 1 {
					xi = (xo+0.5)/s - 0.5
				}
			case "align_corners": // with the unrounded resized length in·scale
				if outLen > 1 {
					xi = xo * float64(inLen-1) / (float64(inLen)*s - 1)
				}
			case "asymmetric":
				xi = xo / s
			case "tf_crop_and_resize":
				if outLen > 1 {
					xi = start*float64(inLen-1) + xo*(end-start)*float64(inLen-1)/float64(outLen-1)
				} else {
					xi = 0.5 * (start + end) * float64(inLen-1)
				}
				if xi < 0 || xi > float64(inLen-1) {
					p.outside[d][o] = true
					continue
				}
			}
			if antialias && s < 1 && mode != "nearest" {
				p.taps[d][o] = antialiasTaps(xi, inLen, mode, s, a, exclude)
				continue
			}
			p.taps[d][o] = resizeTaps(xi, inLen, mode, nearest, a, exclude)
		}
	}
	return p, nil
}

// resizeTaps returns the taps of input coordinate xi on an axis of
// length n (neighbours past the edges read the edge, or with exclude
// are dropped and the weights renormalised).
func resizeTaps(xi float64, n int, mode, nearest string, a float64, exclude bool) []tap {
	clampIdx := func(i int) int { return min(max(i, 0), n-1) }
	switch mode {
	case "nearest":
		var i float64
		switch nearest {
		case "round_prefer_floor":
			i = math.Ceil(xi - 0.5)
		case "round_prefer_ceil":
			i = math.Floor(xi + 0.5)
		case "floor":
			i = math.Floor(xi)
		case "ceil":
			i = math.Ceil(xi)
		}
		return []tap{{clampIdx(int(i)), 1}}
	case "linear":
		i0 := math.Floor(xi)
		t := xi - i0
		return []tap{{clampIdx(int(i0)), 1 - t}, {clampIdx(int(i0) + 1), t}}
	}
	i0 := math.Floor(xi)
	t := xi - i0
	c := [4]float64{
		((a*(t+1)-5*a)*(t+1)+8*a)*(t+1) - 4*a,
		((a+2)*t-(a+3))*t*t + 1,
		((a+2)*(1-t)-(a+3))*(1-t)*(1-t) + 1,
		((a*(2-t)-5*a)*(2-t)+8*a)*(2-t) - 4*a,
	}
	taps := make([]tap, 0, 4)
	sum := 0.0
	for k := 0; k < 4; k++ {
		i := int(i0) - 1 + k
		if exclude && (i < 0 || i >= n) {
			continue
		}
		taps = append(taps, tap{clampIdx(i), c[k]})
		sum += c[k]
	}
	if exclude && sum != 0 {
		for k := range taps {
			taps[k].w /= sum
		}
	}
	return taps
}

// each calls fn(o, i, w) for every output element o, input element i
// and weight w of the product of the axes' taps (fn(o, -1, 0) for
// extrapolated elements).
func (p *resizePlan) each(fn func(o, i int, w float64)) {
	r := len(p.out)
	is := stridesOf(p.in)
	var rec func(d, o, i int, w float64, ext bool)
	os := stridesOf(p.out)
	rec = func(d, o, i int, w float64, ext bool) {
		if d == r {
			if ext {
				fn(o, -1, 0)
			} else {
				fn(o, i, w)
			}
			return
		}
		for c := 0; c < p.out[d]; c++ {
			if p.outside[d][c] {
				rec(d+1, o+c*os[d], i, w, true)
				continue
			}
			for _, t := range p.taps[d][c] {
				rec(d+1, o+c*os[d], i+t.i*is[d], w*t.w, ext)
			}
		}
	}
	if r == 0 {
		fn(0, 0, 1)
		return
	}
	rec(0, 0, 0, 1, false)
}

// buildResize handles Resize from opset 11 (nearest, linear and cubic,
// every coordinate transformation, axes, keep_aspect_ratio_policy and
// antialias). Scales or sizes must be known when the model is
// planned.
func buildResize(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0); err != nil {
		return nil, nil, err
	}
	p, err := resizeOf(n, in)
	if err != nil {
		return nil, nil, err
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		x, y := in[0].F, out[0].F
		for i := range y {
			y[i] = 0
		}
		ext := make(map[int]bool)
		p.each(func(o, i int, w float64) {
			if i < 0 {
				ext[o] = true
				return
			}
			y[o] += float32(w * float64(x[i]))
		})
		for o := range ext {
			y[o] = p.extrap
		}
	}}
	return []*info{{dt: Float32, shape: p.out}}, k, nil
}

// backResize sends each output's gradient to its taps, times their
// weights.
func backResize(c *backCtx) error {
	gx := c.gin[0]
	if gx == nil {
		return nil
	}
	in := make([]*info, len(c.in))
	for i, t := range c.in {
		if t != nil {
			in[i] = &info{dt: t.DType, shape: t.Shape, c: t}
		}
	}
	in[0].c = nil
	p, err := resizeOf(c.n, in)
	if err != nil {
		return err
	}
	gy := c.gout[0]
	p.each(func(o, i int, w float64) {
		if i >= 0 {
			gx[i] += float32(w * float64(gy[o]))
		}
	})
	return nil
}
