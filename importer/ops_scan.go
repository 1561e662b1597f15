package importer

import "fmt"

// Scan iterates its body over slices of its scan inputs (along each
// one's axis, forwards or backwards), carrying state values from one
// iteration to the next, and stacks the body's scan outputs along each
// one's axis. Inputs: the initial states, the scan inputs, then the
// outer values the body reads. Scan-8 has a leading batch axis on every
// input and output (each batch element is scanned on its own) and an
// optional sequence_lens input, which must then give the full length.
// The body is planned as loopBody describes, over a number of
// iterations known from the scan inputs' shapes.

// scanAttrs is a Scan node's layout: how many inputs are states, and
// each scan input's and output's axis and direction (1: reversed), for
// one batch element in Scan-8.
type scanAttrs struct {
	nState, nIn       int
	inAxes, inDirs    []int
	outAxes, outDirs  []int
	batched           bool // Scan-8
	firstIn, firstOut int  // index of the first state input (1 in Scan-8: sequence_lens)
}

func checkScan(n *Node) error {
	if g := n.attrs["body"]; g == nil || g.GetG() == nil {
		return fmt.Errorf("graph attribute \"body\" missing")
	}
	if !n.has("num_scan_inputs") || n.attrInt("num_scan_inputs", 0) < 1 {
		return fmt.Errorf("num_scan_inputs must be at least 1")
	}
	return nil
}

func scanLayout(n *Node, nOut int) (*scanAttrs, error) {
	a := &scanAttrs{nIn: int(n.attrInt("num_scan_inputs", 0)), batched: n.Opset < 9}
	if a.batched {
		a.firstIn = 1
	}
	a.nState = n.declared - a.firstIn - a.nIn
	nScanOut := nOut - a.nState
	if a.nState < 0 || nScanOut < 0 {
		return nil, fmt.Errorf("%w: %d inputs and %d outputs for %d scan inputs", ErrBadInput, n.declared, nOut, a.nIn)
	}
	ints := func(name string, k int) ([]int, error) {
		v := n.attrInts(name)
		if v == nil {
			return make([]int, k), nil
		}
		if len(v) != k {
			return nil, fmt.Errorf("%w: %s has %d entries, wants %d", ErrBadInput, name, len(v), k)
		}
		return v, nil
	}
	var err error
	if a.batched {
		if a.inDirs, err = ints("directions", a.nIn); err != nil {
			return nil, err
		}
		a.inAxes, a.outAxes, a.outDirs = make([]int, a.nIn), make([]int, nScanOut), make([]int, nScanOut)
		return a, nil
	}
	if a.inDirs, err = ints("scan_input_directions", a.nIn); err != nil {
		return nil, err
	}
	if a.inAxes, err = ints("scan_input_axes", a.nIn); err != nil {
		return nil, err
	}
	if a.outDirs, err = ints("scan_output_directions", nScanOut); err != nil {
		return nil, err
	}
	if a.outAxes, err = ints("scan_output_axes", nScanOut); err != nil {
		return nil, err
	}
	return a, nil
}

func buildScan(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	body := n.graphs["body"]
	a, err := scanLayout(n, len(body.m.Outputs))
	if err != nil {
		return nil, nil, err
	}
	if body.formal != a.nState+a.nIn {
		return nil, nil, fmt.Errorf("%w: the body has %d inputs, wants %d states and %d scan inputs", ErrBadInput, body.formal, a.nState, a.nIn)
	}
	if len(n.Outputs) > len(body.m.Outputs) {
		return nil, nil, fmt.Errorf("%w: the node has %d outputs, its body %d", ErrBadInput, len(n.Outputs), len(body.m.Outputs))
	}
	batch := -1
	if a.batched {
		if sl := input(in, 0); sl != nil {
			if sl.c == nil {
				return nil, nil, fmt.Errorf("sequence_lens %w", errNotConst)
			}
		}
	}
	// One batch element's states and scan slices.
	cur := make([]*info, a.nState)
	for j := range cur {
		x := in[a.firstIn+j]
		if x == nil {
			return nil, nil, fmt.Errorf("%w: state input %d is missing", ErrBadInput, j)
		}
		cur[j] = runtimeInfo(x)
		if a.batched {
			if batch, err = batchOf(x, batch); err != nil {
				return nil, nil, err
			}
			cur[j] = &info{dt: x.dt, shape: x.shape[1:]}
		}
	}
	trips := -1
	slices := make([]*info, a.nIn)
	for j := range slices {
		x := in[a.firstIn+a.nState+j]
		if x == nil {
			return nil, nil, fmt.Errorf("%w: scan input %d is missing", ErrBadInput, j)
		}
		shape := x.shape
		if a.batched {
			if batch, err = batchOf(x, batch); err != nil {
				return nil, nil, err
			}
			shape = shape[1:]
		}
		ax, err := normAxis(a.inAxes[j], len(shape))
		if err != nil {
			return nil, nil, fmt.Errorf("scan input %d: %w", j, err)
		}
		a.inAxes[j] = ax
		if trips >= 0 && shape[ax] != trips {
			return nil, nil, fmt.Errorf("%w: scan inputs of lengths %d and %d", ErrShape, trips, shape[ax])
		}
		trips = shape[ax]
		slices[j] = &info{dt: x.dt, shape: append(append([]int{}, shape[:ax]...), shape[ax+1:]...)}
	}
	if a.batched {
		if sl := input(in, 0); sl != nil {
			for _, l := range sl.c.I {
				if int(l) != trips {
					return nil, nil, fmt.Errorf("sequence_lens %d shorter than the scan length %d: %w", l, trips, ErrUnsupported)
				}
			}
		}
	}
	lb := &loopBody{sg: body, n: n, in: in, env: env, nCarried: a.nState, cache: map[string]*sessionPlan{}}
	lb.formal = func(_ int, _ *info, cur []*info) []*info { return append(append([]*info{}, cur...), slices...) }
	r, err := lb.simulate(trips, nil, cur)
	if err != nil {
		return nil, nil, err
	}
	outs := make([]*info, len(n.Outputs))
	for j := range outs {
		var s *info
		if j < a.nState {
			s = r.carried[j]
		} else {
			k := j - a.nState
			sc := r.scan[k]
			ax, err := normAxis(a.outAxes[k], len(sc.shape)+1)
			if err != nil {
				return nil, nil, fmt.Errorf("scan output %d: %w", k, err)
			}
			a.outAxes[k] = ax
			shape := append(append(append([]int{}, sc.shape[:ax]...), trips), sc.shape[ax:]...)
			s = &info{dt: sc.dt, shape: shape}
		}
		if a.batched {
			s = &info{dt: s.dt, shape: append([]int{batch}, s.shape...)}
		}
		outs[j] = s
	}
	return outs, scanKernel(n, body, r, a, trips, outs), nil
}

// batchOf checks that x's leading (batch) axis is batch (-1: not set yet)
// and returns it.
func batchOf(x *info, batch int) (int, error) {
	if len(x.shape) == 0 {
		return 0, fmt.Errorf("%w: Scan-8 inputs need a batch axis", ErrShape)
	}
	if batch >= 0 && x.shape[0] != batch {
		return 0, fmt.Errorf("%w: batch sizes %d and %d", ErrShape, batch, x.shape[0])
	}
	return x.shape[0], nil
}

func scanKernel(n *Node, body *subgraph, r *bodyRun, a *scanAttrs, trips int, outs []*info) *kernel {
	return &kernel{run: func(in, out []*Tensor, _ []float32) {
		batch := 1
		if a.batched {
			batch = in[a.firstIn].Shape[0]
		}
		for b := 0; b < batch; b++ {
			state := make([]*Tensor, a.nState)
			for j := range state {
				state[j] = in[a.firstIn+j]
				if a.batched {
					state[j] = axisSlice(state[j], 0, b)
				}
			}
			xs := make([]*Tensor, a.nIn)
			for j := range xs {
				xs[j] = in[a.firstIn+a.nState+j]
				if a.batched {
					xs[j] = axisSlice(xs[j], 0, b)
				}
			}
			// The scan outputs of batch element b.
			sOut := make([]*Tensor, len(out)-min(a.nState, len(out)))
			for k := range sOut {
				o := out[a.nState+k]
				sOut[k] = o
				if a.batched && n.Outputs[a.nState+k] != "" {
					sOut[k] = newTensor(o.DType, o.Shape[1:])
				}
			}
			for t := 0; t < trips; t++ {
				formal := append([]*Tensor{}, state...)
				for j, x := range xs {
					at := t
					if a.inDirs[j] == 1 {
						at = trips - 1 - t
					}
					formal = append(formal, axisSlice(x, a.inAxes[j], at))
				}
				res := runSub(body, n, r.at(t), formal, in)
				state = res[:a.nState]
				for k, o := range sOut {
					if n.Outputs[a.nState+k] == "" {
						continue
					}
					at := t
					if a.outDirs[k] == 1 {
						at = trips - 1 - t
					}
					setAxisSlice(o, a.outAxes[k], at, res[a.nState+k])
				}
			}
			for j := 0; j < a.nState && j < len(out); j++ {
				if n.Outputs[j] != "" {
					copyInto(out[j], state[j], b*state[j].Len())
				}
			}
			if a.batched {
				for k, o := range sOut {
					if n.Outputs[a.nState+k] != "" {
						copyInto(out[a.nState+k], o, b*o.Len())
					}
				}
			}
		}
	}}
}

// axisSlice copies x's index at along axis (the axis dropped).
func axisSlice(x *Tensor, axis, at int) *Tensor {
	shape := append(append([]int{}, x.Shape[:axis]...), x.Shape[axis+1:]...)
	s := newTensor(x.DType, shape)
	outer, n, inner := numel(x.Shape[:axis]), x.Shape[axis], numel(x.Shape[axis+1:])
	for o := 0; o < outer; o++ {
		src := (o*n + at) * inner
		if x.DType == Float32 {
			copy(s.F[o*inner:(o+1)*inner], x.F[src:src+inner])
		} else {
			copy(s.I[o*inner:(o+1)*inner], x.I[src:src+inner])
		}
	}
	return s
}

// setAxisSlice writes s at index at along axis of x (s has x's shape
// without that axis).
func setAxisSlice(x *Tensor, axis, at int, s *Tensor) {
	outer, n, inner := numel(x.Shape[:axis]), x.Shape[axis], numel(x.Shape[axis+1:])
	for o := 0; o < outer; o++ {
		dst := (o*n + at) * inner
		if x.DType == Float32 {
			copy(x.F[dst:dst+inner], s.F[o*inner:(o+1)*inner])
		} else {
			copy(x.I[dst:dst+inner], s.I[o*inner:(o+1)*inner])
		}
	}
}
