package importer

import (
	"fmt"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

func (n *Node) has(name string) bool { _, ok := n.attrs[name]; return ok }

func (n *Node) attrInt(name string, def int64) int64 {
	if a, ok := n.attrs[name]; ok {
		return a.GetI()
	}
	return def
}

func (n *Node) attrFloat(name string, def float32) float32 {
	if a, ok := n.attrs[name]; ok {
		return a.GetF()
	}
	return def
}

func (n *Node) attrString(name, def string) string {
	if a, ok := n.attrs[name]; ok {
		return string(a.GetS())
	}
	return def
}

// attrInts returns an ints attribute as ints, nil when absent.
func (n *Node) attrInts(name string) []int {
	a, ok := n.attrs[name]
	if !ok {
		return nil
	}
	out := make([]int, len(a.GetInts()))
	for i, v := range a.GetInts() {
		out[i] = clampInt(v)
	}
	return out
}

func (n *Node) attrTensor(name string) *onnxpb.TensorProto {
	if a, ok := n.attrs[name]; ok {
		return a.GetT()
	}
	return nil
}

// input returns input i if present.
func input(in []*info, i int) *info {
	if i < len(in) {
		return in[i]
	}
	return nil
}

// constInts returns the contents of an int64 input that must be known at
// plan time.
func constInts(in []*info, i int, what string) ([]int, error) {
	x := input(in, i)
	if x == nil {
		return nil, nil
	}
	if x.c == nil {
		return nil, fmt.Errorf("%s %w", what, errNotConst)
	}
	if x.dt != Int64 {
		return nil, fmt.Errorf("%s must be int64, is %v", what, x.dt)
	}
	return x.c.ints(), nil
}

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(axis, rank int) (int, error) {
	if axis < -rank || axis >= rank {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += rank
	}
	return axis, nil
}

func wantInputs(in []*info, min int) error {
	for i := 0; i < min; i++ {
		if input(in, i) == nil {
			return fmt.Errorf("input %d is required", i)
		}
	}
	return nil
}

func wantFloat(in []*info, idx ...int) error {
	for _, i := range idx {
		if x := input(in, i); x != nil && x.dt != Float32 {
			return fmt.Errorf("%w: input %d is %v; this operator computes in float32", ErrUnsupported, i, x.dt)
		}
	}
	return nil
}
