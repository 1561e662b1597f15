package compare

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"

	"github.com/hierlearn/hierlearn/train"
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

// stat summarises some values over seeds: mean, sample standard
// deviation, median, the quartiles (interquartile range Q1..Q3) and a
// bootstrap 95% confidence interval of the median. Test errors of one
// learner vary over decades from seed to seed (heavy-tailed), so reports
// rank by the median.
type stat struct {
	Mean, SD, Median float64
	Q1, Q3           float64
	CILo, CIHi       float64
	N                int
}

// Bootstrap settings of the median's confidence interval: resamples and
// the fixed seed that makes a report a pure function of its results.
const (
	bootResamples = 2000
	bootSeed      = 0xb007
)

func newStat(xs []float64) stat {
	s := stat{N: len(xs)}
	if len(xs) == 0 {
		nan := math.NaN()
		return stat{Mean: nan, SD: nan, Median: nan, Q1: nan, Q3: nan, CILo: nan, CIHi: nan}
	}
	s.Median, s.Q1, s.Q3 = train.Quantile(xs, 0.5), train.Quantile(xs, 0.25), train.Quantile(xs, 0.75)
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
	s.CILo, s.CIHi = bootstrapCI(xs, func(v []float64) float64 { return train.Quantile(v, 0.5) })
	return s
}

// bootstrapCI is the percentile bootstrap 95% interval of f over xs
// (bootResamples resamples with replacement, seeded by bootSeed).
func bootstrapCI(xs []float64, f func([]float64) float64) (lo, hi float64) {
	rng := rand.New(rand.NewPCG(bootSeed, uint64(len(xs))))
	vals := make([]float64, bootResamples)
	buf := make([]float64, len(xs))
	for b := range vals {
		for i := range buf {
			buf[i] = xs[rng.IntN(len(xs))]
		}
		vals[b] = f(buf)
	}
	return train.Quantile(vals, 0.025), train.Quantile(vals, 0.975)
}

// String is the median, then from two seeds on the interquartile range
// and from three on the bootstrap 95% interval of the median.
func (s stat) String() string {
	switch {
	case s.N == 0:
		return "-"
	case s.N == 1:
		return fmtNum(s.Median)
	case s.N == 2:
		return fmtNum(s.Median) + " [" + fmtNum(s.Q1) + ", " + fmtNum(s.Q3) + "]"
	}
	return fmtNum(s.Median) + " [" + fmtNum(s.Q1) + ", " + fmtNum(s.Q3) + "] CI " + fmtNum(s.CILo) + "–" + fmtNum(s.CIHi)
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

// learnerOrder sorts HNet modes first, then the MLP, then imported
// models, kernels and other learners, and deepnet networks last.
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
	if d, err := parseDeepnet(l); err == nil {
		// By parameterisation, then depth, width and alpha numerically.
		return fmt.Sprintf("5%s:%02d:%06d:%012.4f", d.Param, d.Depth, d.Width, d.Alpha)
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
