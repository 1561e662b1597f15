package compare

import (
	"fmt"
	"math"
	"sort"
	"strconv"
)

// errorMetric is the metric a report ranks by: test_rel_mse for
// regression, test_error for classification.
func errorMetric(r Result) (string, float64, bool) {
	if v, ok := r.Number("test_rel_mse"); ok {
		return "test_rel_mse", v, true
	}
	if v, ok := r.Number("test_error"); ok {
		return "test_error", v, true
	}
	return "", 0, false
}

// stat summarises some values: mean, sample standard deviation and
// median. Test errors of one learner vary over decades from seed to seed
// (heavy-tailed), so the median says more than the mean at a few seeds.
type stat struct {
	Mean, SD, Median float64
	N                int
}

func newStat(xs []float64) stat {
	s := stat{N: len(xs)}
	if len(xs) == 0 {
		return stat{Mean: math.NaN(), SD: math.NaN(), Median: math.NaN()}
	}
	sorted := append([]float64(nil), xs...)
	sort.Float64s(sorted)
	if n := len(sorted); n%2 == 1 {
		s.Median = sorted[n/2]
	} else {
		s.Median = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(len(xs))
	if len(xs) > 1 {
		for _, x := range xs {
			s.SD += (x - s.Mean) * (x - s.Mean)
		}
		s.SD = math.Sqrt(s.SD / float64(len(xs)-1))
	}
	return s
}

func (s stat) String() string {
	if s.N == 0 {
		return "-"
	}
	if s.N == 1 {
		return fmtNum(s.Mean)
	}
	if s.N >= 3 {
		return fmtNum(s.Mean) + " ± " + fmtNum(s.SD) + " (median " + fmtNum(s.Median) + ")"
	}
	return fmtNum(s.Mean) + " ± " + fmtNum(s.SD)
}

func fmtNum(v float64) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	a := math.Abs(v)
	if a != 0 && (a < 1e-2 || a >= 1e4) {
		return strconv.FormatFloat(v, 'e', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// group is the set of results that share experiment, concept, learner
// and n (they differ only in seed).
type group struct {
	Experiment string
	ConceptKey string
	Concept    string
	Learner    string
	N          int
	Results    []Result
}

func conceptLabel(c Cell) string {
	if c.Dataset != "" {
		return c.Dataset
	}
	s := c.Concept
	return fmt.Sprintf("d=%d L=%d k=%v alpha=%v skip=%s %s seed=%d", s.D, s.Layers, s.Widths, s.Alpha, s.Skip, s.Task, s.Seed)
}

// groups collects the successful results by (experiment, concept,
// learner, n), in a stable order.
func groups(rs []Result) []*group {
	idx := map[string]*group{}
	var out []*group
	for _, r := range rs {
		if !r.OK() {
			continue
		}
		ck := Cell{Concept: r.Cell.Concept, Dataset: r.Cell.Dataset}.Key()
		k := fmt.Sprintf("%s|%s|%s|%d", r.Cell.Experiment, ck, r.Cell.Learner, r.Cell.N)
		g, ok := idx[k]
		if !ok {
			g = &group{Experiment: r.Cell.Experiment, ConceptKey: ck, Concept: conceptLabel(r.Cell), Learner: r.Cell.Learner, N: r.Cell.N}
			idx[k] = g
			out = append(out, g)
		}
		g.Results = append(g.Results, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Experiment != b.Experiment {
			return a.Experiment < b.Experiment
		}
		if a.Concept != b.Concept {
			return a.Concept < b.Concept
		}
		if a.Learner != b.Learner {
			return learnerOrder(a.Learner) < learnerOrder(b.Learner)
		}
		return a.N < b.N
	})
	return out
}

// learnerOrder sorts HNet modes first, then the MLP, then kernels.
func learnerOrder(l string) string {
	switch {
	case l == "hnet:progressive":
		return "0" + l
	case len(l) > 5 && l[:5] == "hnet:":
		return "1" + l
	case l == "mlp" || (len(l) > 4 && l[:4] == "mlp:"):
		return "2" + l
	case len(l) > 7 && l[:7] == "import:":
		return "3" + l
	}
	return "4" + l
}

func (g *group) errStat() (string, stat) {
	var xs []float64
	name := ""
	for _, r := range g.Results {
		if n, v, ok := errorMetric(r); ok {
			name = n
			xs = append(xs, v)
		}
	}
	return name, newStat(xs)
}

func (g *group) secondsStat() stat {
	var xs []float64
	for _, r := range g.Results {
		xs = append(xs, r.Seconds)
	}
	return newStat(xs)
}

// stageErrors returns, for an HNet result, the feature error of each layer
// after each stage: out[stageLayer][layer] = e_layer.
func stageErrors(r Result) map[int]map[int]float64 {
	st, ok := r.Metrics["stages"].([]any)
	if !ok {
		return nil
	}
	out := map[int]map[int]float64{}
	for _, s := range st {
		m, ok := s.(map[string]any)
		if !ok {
			continue
		}
		lf, _ := m["layer"].(float64)
		fe, _ := m["feature_error"].(map[string]any)
		row := map[int]float64{}
		for k, v := range fe {
			l, err := strconv.Atoi(k)
			f, ok := v.(float64)
			if err == nil && ok {
				row[l] = f
			}
		}
		out[int(lf)] = row
	}
	return out
}

// finalFeatureError is e_layer after the last stage of an HNet result.
func finalFeatureError(r Result, layer int) (float64, bool) {
	se := stageErrors(r)
	last := -1
	for l := range se {
		if l > last {
			last = l
		}
	}
	if last < 0 {
		return 0, false
	}
	v, ok := se[last][layer]
	return v, ok
}
