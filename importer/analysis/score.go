package analysis

import (
	"fmt"
	"math"
	"sort"
)

// Spearman is the Spearman rank correlation of a and b: the Pearson
// correlation of their ranks, ties given their average rank. Pairs where
// either value is NaN are left out. It is NaN when fewer than two pairs
// remain or either side is constant.
func Spearman(a, b []float64) (float64, error) {
	if len(a) != len(b) {
		return 0, fmt.Errorf("analysis: spearman of %d and %d values", len(a), len(b))
	}
	var x, y []float64
	for i := range a {
		if !math.IsNaN(a[i]) && !math.IsNaN(b[i]) {
			x, y = append(x, a[i]), append(y, b[i])
		}
	}
	if len(x) < 2 {
		return math.NaN(), nil
	}
	return pearson(ranks(x), ranks(y)), nil
}

// ranks returns the 1-based ranks of v, ties averaged.
func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return v[idx[i]] < v[idx[j]] })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
		}
		i = j + 1
	}
	return r
}

func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i] / n
		my += y[i] / n
	}
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}

// TopKPrecision is the share of the k largest values of score that are
// among the k largest of truth (ties in either broken by index, so pick
// k where truth has no tie at its k-th value: e.g. k = the number of
// nonzero truths). NaN values rank lowest.
func TopKPrecision(score, truth []float64, k int) (float64, error) {
	if len(score) != len(truth) {
		return 0, fmt.Errorf("analysis: top-k of %d scores against %d truths", len(score), len(truth))
	}
	if k < 1 || k > len(score) {
		return 0, fmt.Errorf("analysis: top-k with k = %d of %d values", k, len(score))
	}
	top := func(v []float64) map[int]bool {
		idx := make([]int, len(v))
		for i := range idx {
			idx[i] = i
		}
		key := func(i int) float64 {
			if math.IsNaN(v[i]) {
				return math.Inf(-1)
			}
			return v[i]
		}
		sort.SliceStable(idx, func(i, j int) bool { return key(idx[i]) > key(idx[j]) })
		m := map[int]bool{}
		for _, i := range idx[:k] {
			m[i] = true
		}
		return m
	}
	ts, tt := top(score), top(truth)
	hit := 0
	for i := range ts {
		if tt[i] {
			hit++
		}
	}
	return float64(hit) / float64(k), nil
}
