package importer

import "fmt"

// broadcastShape returns the numpy broadcast of shapes.
func broadcastShape(shapes ...[]int) ([]int, error) {
	rank := 0
	for _, s := range shapes {
		if len(s) > rank {
			rank = len(s)
		}
	}
	out := make([]int, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			o := out[off+i]
			switch {
			case d == o || d == 1:
			case o == 1:
				out[off+i] = d
			default:
				return nil, fmt.Errorf("%w: shapes %v do not broadcast", ErrShape, shapes)
			}
		}
	}
	return out, nil
}

// bcast iterates over an output shape and the matching offsets of inputs
// broadcast to it. Adjacent dimensions are merged where every input allows
// it, so that same-shape and per-channel cases run as long inner loops.
type bcast struct {
	shape   []int   // merged output shape
	strides [][]int // per input, per merged dim; 0 where broadcast
}

func newBcast(out []int, ins ...[]int) *bcast {
	rank := len(out)
	st := make([][]int, len(ins))
	for k, s := range ins {
		st[k] = make([]int, rank)
		full := make([]int, rank)
		off := rank - len(s)
		for i := range full {
			full[i] = 1
			if i >= off {
				full[i] = s[i-off]
			}
		}
		cs := stridesOf(full)
		for i := range full {
			if full[i] != 1 {
				st[k][i] = cs[i]
			}
		}
	}
	// Drop size-1 dims, then merge mergeable neighbours.
	var shape []int
	mst := make([][]int, len(ins))
	for i := 0; i < rank; i++ {
		if out[i] == 1 {
			continue
		}
		if len(shape) > 0 {
			last := len(shape) - 1
			ok := true
			for k := range ins {
				if mst[k][last] != st[k][i]*out[i] {
					ok = false
					break
				}
			}
			if ok {
				shape[last] *= out[i]
				for k := range ins {
					mst[k][last] = st[k][i]
				}
				continue
			}
		}
		shape = append(shape, out[i])
		for k := range ins {
			mst[k] = append(mst[k], st[k][i])
		}
	}
	if len(shape) == 0 {
		shape = []int{1}
		for k := range ins {
			mst[k] = []int{0}
		}
	}
	return &bcast{shape: shape, strides: mst}
}

// rows calls fn for every innermost row: offs[k] is input k's offset, o
// the output offset, n the row length, inner[k] input k's inner stride.
func (b *bcast) rows(fn func(o int, offs []int, n int, inner []int)) {
	r := len(b.shape)
	n := b.shape[r-1]
	inner := make([]int, len(b.strides))
	for k := range b.strides {
		inner[k] = b.strides[k][r-1]
	}
	idx := make([]int, r)
	offs := make([]int, len(b.strides))
	total := numel(b.shape)
	for o := 0; o < total; o += n {
		fn(o, offs, n, inner)
		for d := r - 2; d >= 0; d-- {
			idx[d]++
			for k := range offs {
				offs[k] += b.strides[k][d]
			}
			if idx[d] < b.shape[d] {
				break
			}
			for k := range offs {
				offs[k] -= b.strides[k][d] * idx[d]
			}
			idx[d] = 0
		}
	}
}
