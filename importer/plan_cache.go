package importer

import (
	"fmt"
	"strings"
)

// maxPlans bounds the number of plans (distinct input shapes) a Session
// or GradSession keeps; the least recently used one is dropped first.
const maxPlans = 16

// planCache maps plan keys to plans, keeping at most maxPlans and
// dropping the least recently used. It is not safe for concurrent use:
// the sessions hold their mutex around it.
type planCache[T any] struct {
	entries map[string]*cacheEntry[T]
	clock   uint64
}

type cacheEntry[T any] struct {
	v    T
	used uint64
}

func newPlanCache[T any]() *planCache[T] {
	return &planCache[T]{entries: map[string]*cacheEntry[T]{}}
}

// get returns the plan for key and marks it used.
func (c *planCache[T]) get(key string) (T, bool) {
	e, ok := c.entries[key]
	if !ok {
		var zero T
		return zero, false
	}
	c.clock++
	e.used = c.clock
	return e.v, true
}

// put adds a plan, dropping the least recently used one when full.
func (c *planCache[T]) put(key string, v T) {
	if len(c.entries) >= maxPlans {
		oldest, first := "", true
		for k, e := range c.entries {
			if first || e.used < c.entries[oldest].used {
				oldest, first = k, false
			}
		}
		delete(c.entries, oldest)
	}
	c.clock++
	c.entries[key] = &cacheEntry[T]{v: v, used: c.clock}
}

// each calls fn on every cached plan.
func (c *planCache[T]) each(fn func(T)) {
	for _, e := range c.entries {
		fn(e.v)
	}
}

func (c *planCache[T]) len() int { return len(c.entries) }

// checkSymbolicDims checks that the inputs agree on every named symbolic
// dimension: input_ids [2 8] and attention_mask [2 9] both declared
// [batch, seq] is an error naming both inputs and the dimension.
func checkSymbolicDims(vis []ValueInfo, in []*Tensor) error {
	type seen struct {
		size  int
		input string
		axis  int
	}
	dims := map[string]seen{}
	for i, vi := range vis {
		if vi.Shape == nil || len(in[i].Shape) != len(vi.Shape) {
			continue
		}
		for j, d := range vi.Shape {
			if d >= 0 || j >= len(vi.DimNames) || vi.DimNames[j] == "" {
				continue
			}
			name, size := vi.DimNames[j], in[i].Shape[j]
			if s, ok := dims[name]; ok && s.size != size {
				return fmt.Errorf("importer: %w: input %q has %s = %d (axis %d) but input %q has %s = %d (axis %d)",
					ErrShape, vi.Name, name, size, j, s.input, name, s.size, s.axis)
			}
			dims[name] = seen{size, vi.Name, j}
		}
	}
	return nil
}

// describeInputs spells the inputs for an error message, with the sizes
// their symbolic dimensions took: `input_ids [2 65] (batch=2, seq=65)`.
func describeInputs(vis []ValueInfo, in []*Tensor) string {
	var parts []string
	for i, vi := range vis {
		s := fmt.Sprintf("%s %v", vi.Name, in[i].Shape)
		var syms []string
		for j, d := range vi.Shape {
			if d < 0 && j < len(vi.DimNames) && vi.DimNames[j] != "" && j < len(in[i].Shape) {
				syms = append(syms, fmt.Sprintf("%s=%d", vi.DimNames[j], in[i].Shape[j]))
			}
		}
		if len(syms) > 0 {
			s += " (" + strings.Join(syms, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
