package importer

import "fmt"

// convT is the geometry of a ConvTranspose: every input position i and
// kernel tap k write output position i·stride + k·dilation - padBegin.
type convT struct {
	N, C, M, G    int   // batch, input and output channels, groups
	in, k, out    []int // spatial sizes
	s, d, pb      []int // strides, dilations, leading pads
	inSz, kSz, oS int   // their products
}

func convTOf(n *Node, in []*info) (*convT, error) {
	x, w := in[0], in[1]
	r := len(x.shape) - 2
	if r < 1 || len(w.shape) != r+2 {
		return nil, fmt.Errorf("%w: input %v and weight %v", ErrShape, x.shape, w.shape)
	}
	g := int(n.attrInt("group", 1))
	C := x.shape[1]
	if g < 1 || C%g != 0 || w.shape[0] != C {
		return nil, fmt.Errorf("%w: input %v, weight %v and group %d do not fit", ErrShape, x.shape, w.shape, g)
	}
	c := &convT{N: x.shape[0], C: C, M: w.shape[1] * g, G: g, in: x.shape[2:], k: w.shape[2:]}
	if b := input(in, 2); b != nil && (len(b.shape) != 1 || b.shape[0] != c.M) {
		return nil, fmt.Errorf("%w: bias %v for %d output channels", ErrShape, b.shape, c.M)
	}
	get := func(name string, def int, size int) ([]int, error) {
		v := n.attrInts(name)
		if v == nil {
			v = make([]int, size)
			for i := range v {
				v[i] = def
			}
		}
		if len(v) != size {
			return nil, fmt.Errorf("%w: %s %v for %d spatial dims", ErrShape, name, v, r)
		}
		return v, nil
	}
	var err error
	if c.s, err = get("strides", 1, r); err != nil {
		return nil, err
	}
	if c.d, err = get("dilations", 1, r); err != nil {
		return nil, err
	}
	outPad, err := get("output_padding", 0, r)
	if err != nil {
		return nil, err
	}
	pads, err := get("pads", 0, 2*r)
	if err != nil {
		return nil, err
	}
	if ks := n.attrInts("kernel_shape"); ks != nil && !sameShape(ks, c.k) {
		return nil, fmt.Errorf("%w: kernel_shape %v but weight %v", ErrShape, ks, w.shape)
	}
	autoPad := n.attrString("auto_pad", "NOTSET")
	outShape := n.attrInts("output_shape")
	if outShape != nil && len(outShape) > r {
		outShape = outShape[len(outShape)-r:]
	}
	if outShape == nil && (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
		outShape = make([]int, r)
		for i := range outShape {
			outShape[i] = c.in[i] * c.s[i]
		}
	}
	c.out, c.pb = make([]int, r), make([]int, r)
	for i := 0; i < r; i++ {
		if c.s[i] < 1 || c.d[i] < 1 {
			return nil, fmt.Errorf("%w: strides %v, dilations %v", ErrShape, c.s, c.d)
		}
		full := c.s[i]*(c.in[i]-1) + outPad[i] + (c.k[i]-1)*c.d[i] + 1
		if outShape != nil {
			total := full - outShape[i] // negative: outputs past the last tap
			half := total >> 1          // floor(total/2), as the spec's integer division
			if autoPad == "SAME_UPPER" {
				c.pb[i] = half
			} else {
				c.pb[i] = total - half
			}
			c.out[i] = outShape[i]
		} else {
			if autoPad == "VALID" {
				pads[i], pads[r+i] = 0, 0
			}
			c.pb[i] = pads[i]
			c.out[i] = full - pads[i] - pads[r+i]
		}
		if c.out[i] < 0 {
			return nil, fmt.Errorf("%w: output size %d", ErrShape, c.out[i])
		}
	}
	if _, err := checkedNumel(toInt64s(append([]int{c.N, c.M}, c.out...))); err != nil {
		return nil, err
	}
	c.inSz, c.kSz, c.oS = numel(c.in), numel(c.k), numel(c.out)
	return c, nil
}

// taps calls fn(i, k, o) for every input position, kernel tap and the
// output position they write (flat spatial indices), skipping outputs
// outside the output.
func (c *convT) taps(fn func(i, k, o int)) {
	r := len(c.in)
	ic, kc := make([]int, r), make([]int, r)
	ost := stridesOf(c.out)
	for i := 0; i < c.inSz; i++ {
		for d, rem := r-1, i; d >= 0; d-- {
			ic[d], rem = rem%c.in[d], rem/c.in[d]
		}
		for k := 0; k < c.kSz; k++ {
			for d, rem := r-1, k; d >= 0; d-- {
				kc[d], rem = rem%c.k[d], rem/c.k[d]
			}
			o, ok := 0, true
			for d := 0; d < r; d++ {
				p := ic[d]*c.s[d] + kc[d]*c.d[d] - c.pb[d]
				if p < 0 || p >= c.out[d] {
					ok = false
					break
				}
				o += p * ost[d]
			}
			if ok {
				fn(i, k, o)
			}
		}
	}
}

// buildConvTranspose: groups, strides, dilations, pads, auto_pad,
// output_padding and output_shape.
func buildConvTranspose(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0, 1, 2); err != nil {
		return nil, nil, err
	}
	c, err := convTOf(n, in)
	if err != nil {
		return nil, nil, err
	}
	Cg, Mg := c.C/c.G, c.M/c.G
	type tri struct{ i, k, o int }
	var list []tri
	c.taps(func(i, k, o int) { list = append(list, tri{i, k, o}) })
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		x, w, y := in[0].F, in[1].F, out[0].F
		for b := 0; b < c.N; b++ {
			for m := 0; m < c.M; m++ {
				dst := y[(b*c.M+m)*c.oS : (b*c.M+m+1)*c.oS]
				v := float32(0)
				if len(in) > 2 && in[2] != nil {
					v = in[2].F[m]
				}
				for o := range dst {
					dst[o] = v
				}
				g, mm := m/Mg, m%Mg
				for cc := 0; cc < Cg; cc++ {
					ch := g*Cg + cc
					src := x[(b*c.C+ch)*c.inSz:]
					wk := w[(ch*Mg+mm)*c.kSz:]
					for _, t := range list {
						dst[t.o] += src[t.i] * wk[t.k]
					}
				}
			}
		}
	}}
	return []*info{{dt: Float32, shape: append([]int{c.N, c.M}, c.out...)}}, k, nil
}

// backConvTranspose: the same taps, read the other way.
func backConvTranspose(c *backCtx) error {
	in := []*info{{dt: Float32, shape: c.in[0].Shape}, {dt: Float32, shape: c.in[1].Shape}}
	if len(c.in) > 2 && c.in[2] != nil {
		in = append(in, &info{dt: Float32, shape: c.in[2].Shape})
	}
	g, err := convTOf(c.n, in)
	if err != nil {
		return err
	}
	x, w, gy := c.in[0].F, c.in[1].F, c.gout[0]
	gx, gw := c.gin[0], c.gin[1]
	Cg, Mg := g.C/g.G, g.M/g.G
	if len(c.gin) > 2 && c.gin[2] != nil {
		for b := 0; b < g.N; b++ {
			for m := 0; m < g.M; m++ {
				for _, v := range gy[(b*g.M+m)*g.oS : (b*g.M+m+1)*g.oS] {
					c.gin[2][m] += v
				}
			}
		}
	}
	for b := 0; b < g.N; b++ {
		for m := 0; m < g.M; m++ {
			gr, mm := m/Mg, m%Mg
			gym := gy[(b*g.M+m)*g.oS:]
			for cc := 0; cc < Cg; cc++ {
				ch := gr*Cg + cc
				xo := (b*g.C + ch) * g.inSz
				wo := (ch*Mg + mm) * g.kSz
				g.taps(func(i, k, o int) {
					if gx != nil {
						gx[xo+i] += gym[o] * w[wo+k]
					}
					if gw != nil {
						gw[wo+k] += gym[o] * x[xo+i]
					}
				})
			}
		}
	}
	return nil
}
