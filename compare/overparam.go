package compare

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/hierlearn/hierlearn/train"
)

// Report sections of the deepnet sweeps (issue 17). A family is the set of
// deepnet learners of one experiment, concept and n that differ only in
// width (a width sweep) or only in alpha (an alpha sweep); every metric is
// summarised over seeds (median, IQR, bootstrap interval). Against width,
// the slope of log(median) against log(width) is fitted over the widths
// from overparamFitFrom on, with a 95% percentile bootstrap interval that
// resamples the seeds of every width.

// deepnetMetric is one per-run measurement of a deepnet result.
type deepnetMetric struct {
	key, what string
}

var (
	widthMetrics = []deepnetMetric{
		{"rel_change_all", "relative weight change ‖θ_T-θ_0‖/‖θ_0‖"},
		{"rel_change.0", "relative change of the input layer"},
		{"ntk_move", "NTK movement ‖K_T-K_0‖_F/‖K_0‖_F"},
		{"pattern_change", "activation patterns changed"},
		{"conv_rate", "linear-convergence rate (per step)"},
		{"test_rel_mse", "test relative MSE"},
		{"conv_r2", "R² of the rate fit"},
		{"lin_conv_rate", "rate of the linearised network (initial NTK)"},
		{"inf_conv_rate", "infinite-width rate (analytic NTK)"},
		{"fin_conv_rate", "rate of the linear model with the final NTK"},
		{"inf_rate_gap", "gap of the rate to the infinite width |r-r∞|/r∞"},
		{"lin_rate_gap", "gap of the rate to the linearised network"},
		{"lin_inf_gap", "gap of the linearised network's rate to the infinite width"},
		{"fin_rate_gap", "gap of the rate to the final-NTK linear model"},
	}
	// The groups of widthMetrics in the plots of a width sweep.
	movementKeys = []string{"rel_change_all", "rel_change.0", "ntk_move", "pattern_change"}
	rateKeys     = []string{"conv_rate", "lin_conv_rate", "inf_conv_rate", "fin_conv_rate"}
	gapKeys      = []string{"inf_rate_gap", "lin_rate_gap", "lin_inf_gap", "fin_rate_gap"}
	alphaMetrics = []deepnetMetric{
		{"test_rel_mse", "test relative MSE"},
		{"lin_test_rel_mse", "test relative MSE of the linearised network"},
		{"krr_test_rel_mse", "test relative MSE of ridgeless regression with the initial NTK"},
		{"lin_gap", "distance to the linearised network"},
		{"ntk_move", "NTK movement"},
		{"rel_change_all", "relative weight change"},
		{"pattern_change", "activation patterns changed"},
	}
)

// rateGaps are the derived metrics |a - b| / b of two rates.
var rateGaps = map[string][2]string{
	"inf_rate_gap": {"conv_rate", "inf_conv_rate"},
	"lin_rate_gap": {"conv_rate", "lin_conv_rate"},
	"lin_inf_gap":  {"lin_conv_rate", "inf_conv_rate"},
	"fin_rate_gap": {"conv_rate", "fin_conv_rate"},
}

// widthMetric returns the widthMetrics entry of key (its key as the
// description if there is none).
func widthMetric(key string) deepnetMetric {
	for _, m := range widthMetrics {
		if m.key == key {
			return m
		}
	}
	return deepnetMetric{key, key}
}

// deepnetValue reads a metric; "name.i" is entry i of a list; the keys of
// rateGaps are computed from two rates.
func deepnetValue(r Result, key string) (float64, bool) {
	if pair, ok := rateGaps[key]; ok {
		a, okA := r.Number(pair[0])
		b, okB := r.Number(pair[1])
		if !okA || !okB || !(b > 0) {
			return 0, false
		}
		return math.Abs(a-b) / b, true
	}
	name, idx, ok := strings.Cut(key, ".")
	if !ok {
		return r.Number(name)
	}
	list, _ := r.Metrics[name].([]any)
	var i int
	if _, err := fmt.Sscan(idx, &i); err != nil || i >= len(list) {
		return 0, false
	}
	v, ok := list[i].(float64)
	return v, ok
}

// sweepFamily is one width or alpha sweep: values[x][metric] over seeds.
type sweepFamily struct {
	Experiment, Concept string
	Label               string // the learner with the swept part replaced
	N                   int
	D                   int // the inputs' dimension
	X                   []float64
	values              map[float64]map[string][]float64
}

func (f *sweepFamily) stat(x float64, key string) stat { return newStat(f.values[x][key]) }

// deepnetFamilies collects the width sweeps (byWidth) or the alpha sweeps
// of the deepnet groups with at least two points.
func deepnetFamilies(gs []*group, byWidth bool, metrics []deepnetMetric) []*sweepFamily {
	idx := map[string]*sweepFamily{}
	var out []*sweepFamily
	for _, g := range gs {
		l, err := parseDeepnet(g.Learner)
		if err != nil {
			continue
		}
		x, label := l.Alpha, fmt.Sprintf("deepnet:%s:%dx%d", l.Param, l.Depth, l.Width)
		if byWidth {
			x, label = float64(l.Width), fmt.Sprintf("deepnet:%s:%dxW:a%g", l.Param, l.Depth, l.Alpha)
		}
		k := fmt.Sprintf("%s|%s|%d|%s", g.Experiment, g.ConceptKey, g.N, label)
		f, ok := idx[k]
		if !ok {
			f = &sweepFamily{Experiment: g.Experiment, Concept: g.Concept, Label: label, N: g.N, values: map[float64]map[string][]float64{}}
			if len(g.Results) > 0 {
				f.D = g.Results[0].Cell.Concept.D
			}
			idx[k] = f
			out = append(out, f)
		}
		if f.values[x] == nil {
			f.X = append(f.X, x)
			f.values[x] = map[string][]float64{}
		}
		for _, r := range g.Results {
			for _, m := range metrics {
				if v, ok := deepnetValue(r, m.key); ok && !math.IsNaN(v) {
					f.values[x][m.key] = append(f.values[x][m.key], v)
				}
			}
		}
	}
	var kept []*sweepFamily
	for _, f := range out {
		if len(f.X) >= 2 {
			sort.Float64s(f.X)
			kept = append(kept, f)
		}
	}
	return kept
}

// slope fits log(median) against log(x) over x >= from, and its bootstrap
// interval (seeds resampled within every x).
func (f *sweepFamily) slope(key string, from float64) (s, lo, hi float64) {
	var xs []float64
	for _, x := range f.X {
		if x >= from && len(f.values[x][key]) > 0 {
			xs = append(xs, x)
		}
	}
	fit := func(pick func([]float64) []float64) float64 {
		ys := make([]float64, len(xs))
		for i, x := range xs {
			ys[i] = train.Quantile(pick(f.values[x][key]), 0.5)
			if !(ys[i] > 0) {
				ys[i] = math.NaN()
			}
		}
		return logSlopeF(xs, ys)
	}
	s = fit(func(v []float64) []float64 { return v })
	if math.IsNaN(s) {
		return s, math.NaN(), math.NaN()
	}
	rng := rand.New(rand.NewPCG(bootSeed, uint64(len(xs))))
	var slopes []float64
	for b := 0; b < bootResamples; b++ {
		v := fit(func(v []float64) []float64 {
			out := make([]float64, len(v))
			for i := range out {
				out[i] = v[rng.IntN(len(v))]
			}
			return out
		})
		if !math.IsNaN(v) {
			slopes = append(slopes, v)
		}
	}
	if len(slopes) < bootResamples/2 {
		return s, math.NaN(), math.NaN()
	}
	return s, train.Quantile(slopes, 0.025), train.Quantile(slopes, 0.975)
}

// logSlopeF is the least-squares slope of log y against log x over the
// points where y is defined (NaN with fewer than two); logSlope for real x.
func logSlopeF(xs, ys []float64) float64 {
	var lx, ly []float64
	for i, y := range ys {
		if !math.IsNaN(y) {
			lx, ly = append(lx, math.Log(xs[i])), append(ly, math.Log(y))
		}
	}
	if len(lx) < 2 {
		return math.NaN()
	}
	var mx, my float64
	for i := range lx {
		mx += lx[i]
		my += ly[i]
	}
	mx /= float64(len(lx))
	my /= float64(len(ly))
	var sxy, sxx float64
	for i := range lx {
		sxy += (lx[i] - mx) * (ly[i] - my)
		sxx += (lx[i] - mx) * (lx[i] - mx)
	}
	if sxx == 0 {
		return math.NaN()
	}
	return sxy / sxx
}

// writeDeepnetSweeps prints the width sweeps (tables and slopes) and the
// alpha sweeps of the deepnet learners.
func writeDeepnetSweeps(w io.Writer, gs []*group) {
	for _, f := range deepnetFamilies(gs, true, widthMetrics) {
		writeWidthSweep(w, f)
	}
	for _, f := range deepnetFamilies(gs, false, alphaMetrics) {
		fmt.Fprintf(w, "### %s against the output scale alpha (n=%d, %s)\n\n", f.Label, f.N, f.Concept)
		fmt.Fprintf(w, "Median over seeds [IQR]. Linearised: the network's first-order Taylor model at initialisation trained by the same gradient descent (kernel gradient descent with the initial NTK); ")
		fmt.Fprintf(w, "distance: ‖p - p_lin‖ / ‖p_lin‖ on the test set.\n\n| alpha |")
		for _, m := range alphaMetrics {
			fmt.Fprintf(w, " %s |", m.what)
		}
		fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(alphaMetrics)))
		for _, x := range f.X {
			fmt.Fprintf(w, "| %g |", x)
			for _, m := range alphaMetrics {
				s := f.stat(x, m.key)
				if s.N < 2 {
					fmt.Fprintf(w, " %s |", fmtNum(s.Median))
					continue
				}
				fmt.Fprintf(w, " %s [%s, %s] |", fmtNum(s.Median), fmtNum(s.Q1), fmtNum(s.Q3))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
	}
}

// stableRateGap is what "the rate stabilises as the width grows" asks of
// a width sweep (issue 17), on the per-seed gap |r - r∞| / r∞ between the
// network's rate and the infinite-width rate fitted the same way from the
// same initial residual: the log-log slope of its median against width
// has a bootstrap interval below 0 (the rate approaches its limit), and
// at each of the two largest widths the upper end of the bootstrap 95%
// interval of the median gap is below stableRateGap. 5% is below the
// spread of r∞ itself between draws of the training set (its
// interquartile range is 10% of the median at d=10 (seeds 1-5) and 8% at
// d=50 (seeds 1-10) in the overparam preset): what is left of the width's effect is
// no larger than that of drawing another training set.
const stableRateGap = 0.05

// short is a metric's median over seeds [IQR] at x.
func (f *sweepFamily) short(x float64, key string) string {
	s := f.stat(x, key)
	if s.N < 2 {
		return fmtNum(s.Median)
	}
	return fmt.Sprintf("%s [%s, %s]", fmtNum(s.Median), fmtNum(s.Q1), fmtNum(s.Q3))
}

// writeWidthSweep prints a width sweep: the movement table, the rate
// table against the linearised and infinite-width rates, the log-log
// slopes and whether the rate stabilises.
func writeWidthSweep(w io.Writer, f *sweepFamily) {
	fmt.Fprintf(w, "### %s against width (n=%d, %s)\n\n", f.Label, f.N, f.Concept)
	fmt.Fprintf(w, "Median over seeds [IQR].\n\n| width | seeds | rel. weight change | input layer | NTK movement | patterns changed | test rel MSE |\n|---|---|---|---|---|---|---|\n")
	for _, x := range f.X {
		fmt.Fprintf(w, "| %g | %d | %s | %s | %s | %s | %s |\n", x, f.stat(x, "rel_change_all").N, f.short(x, "rel_change_all"), f.short(x, "rel_change.0"),
			f.short(x, "ntk_move"), f.short(x, "pattern_change"), f.short(x, "test_rel_mse"))
	}
	fmt.Fprintf(w, "\nThe rate is the slope of -ln(training loss) against step over the second half of training (its change is relative to the previous width). ")
	fmt.Fprintf(w, "The reference rates are those of gradient descent with the same step size and steps from the same initial residual ")
	fmt.Fprintf(w, "on the linear model with the network's initial NTK (linearised), with its NTK at the end of training (final NTK) and with the analytic infinite-width NTK, ")
	fmt.Fprintf(w, "fitted the same way; the gaps are |r - r_ref| / r_ref per seed, median [IQR] and the bootstrap 95%% interval of the median.\n\n")
	fmt.Fprintf(w, "| width | rate | rate change | R² of the fit | linearised rate | final-NTK rate | infinite-width rate | gap to infinite width | gap to final NTK | linearised to infinite |\n|---|---|---|---|---|---|---|---|---|---|\n")
	prev := math.NaN()
	for _, x := range f.X {
		rate := f.stat(x, "conv_rate").Median
		change := "-"
		if !math.IsNaN(prev) && prev != 0 {
			change = fmt.Sprintf("%+.1f%%", 100*(rate/prev-1))
		}
		prev = rate
		fmt.Fprintf(w, "| %g | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", x, f.short(x, "conv_rate"), change, fmtNum(f.stat(x, "conv_r2").Median),
			f.short(x, "lin_conv_rate"), f.short(x, "fin_conv_rate"), f.short(x, "inf_conv_rate"), f.stat(x, "inf_rate_gap"), f.short(x, "fin_rate_gap"), f.short(x, "lin_inf_gap"))
	}
	fmt.Fprintf(w, "\nLog-log slopes against width from %d on (bootstrap 95%% interval):\n\n| metric | slope | 95%% interval |\n|---|---|---|\n", overparamFitFrom)
	for _, m := range widthMetrics {
		if m.key == "conv_r2" {
			continue
		}
		s, lo, hi := f.slope(m.key, overparamFitFrom)
		fmt.Fprintf(w, "| %s | %s | %s |\n", m.what, fmtSlope(s), ciText(lo, hi))
	}
	if verdict, why := f.rateStabilises(); why != "" {
		fmt.Fprintf(w, "\nAgainst the infinite-width rate: %s; %s (criterion for \"stabilises\": a gap slope with its interval below 0 and, at the two largest widths, "+
			"the upper end of the median gap's interval below %g).\n", verdict, why, stableRateGap)
	}
	fmt.Fprintln(w)
}

// The verdicts of rateStabilises.
const (
	rateStable      = "the rate stabilises"
	rateApproaching = "the gap shrinks with width but is not yet below the threshold"
	rateNotShown    = "no shrinking gap is shown"
)

// rateStabilises applies the stableRateGap criterion; why (the slope of
// the gap and its medians with their intervals at the two largest widths)
// is empty when the sweep has no infinite-width rates.
func (f *sweepFamily) rateStabilises() (verdict, why string) {
	s, lo, hi := f.slope("inf_rate_gap", overparamFitFrom)
	if math.IsNaN(s) || len(f.X) < 2 {
		return "", ""
	}
	x1, x2 := f.X[len(f.X)-2], f.X[len(f.X)-1]
	g1, g2 := f.stat(x1, "inf_rate_gap"), f.stat(x2, "inf_rate_gap")
	why = fmt.Sprintf("gap slope %s (%s), median gap %s (%s .. %s) at width %g and %s (%s .. %s) at %g", fmtSlope(s), ciText(lo, hi),
		fmtNum(g1.Median), fmtNum(g1.CILo), fmtNum(g1.CIHi), x1, fmtNum(g2.Median), fmtNum(g2.CILo), fmtNum(g2.CIHi), x2)
	switch {
	case !(hi < 0):
		return rateNotShown, why
	case g1.CIHi < stableRateGap && g2.CIHi < stableRateGap:
		return rateStable, why
	}
	return rateApproaching, why
}

// plotDeepnetSweeps draws, per width sweep, the movement metrics against
// width (log-log) and the rate against width; per alpha sweep, the
// movement and the test errors against alpha.
func plotDeepnetSweeps(dir string, gs []*group) ([]string, error) {
	var files []string
	used := map[string]bool{}
	// name is a plot's file name; a second family of the same experiment
	// and learner (another concept) gets its dimension appended.
	name := func(f *sweepFamily, what string) string {
		r := strings.NewReplacer(":", "-", ".", "_")
		out := fmt.Sprintf("%s-%s-%s", what, f.Experiment, r.Replace(strings.TrimPrefix(f.Label, "deepnet:")))
		if used[out] {
			out = fmt.Sprintf("%s-d%d", out, f.D)
		}
		used[out] = true
		return out
	}
	draw := func(f *sweepFamily, file, title, xlabel, ylabel string, metrics []deepnetMetric, logY bool) error {
		p := plot.New()
		p.Title.Text = title
		p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
		logAxes(p, true, logY)
		var ss []series
		for i, m := range metrics {
			s := series{label: m.what, st: style{color: palette[i%len(palette)], shape: plotutil.Shape(i)}}
			for _, x := range f.X {
				if st := f.stat(x, m.key); st.N > 0 && (!logY || st.Median > 0) {
					s.pts = append(s.pts, point{x, st})
				}
			}
			if len(s.pts) > 0 {
				ss = append(ss, s)
			}
		}
		if len(ss) == 0 {
			return nil
		}
		lg, err := addSeries(p, ss)
		if err != nil {
			return err
		}
		fixLogRange(&p.X)
		if logY {
			fixLogRange(&p.Y)
		}
		out, err := savePlot(dir, file, p, lg, 6*vg.Inch, 4.5*vg.Inch)
		files = append(files, out)
		return err
	}
	for _, f := range deepnetFamilies(gs, true, widthMetrics) {
		withSlopes := func(keys []string) []deepnetMetric {
			var ms []deepnetMetric
			for _, k := range keys {
				m := widthMetric(k)
				s, lo, hi := f.slope(m.key, overparamFitFrom)
				ms = append(ms, deepnetMetric{m.key, fmt.Sprintf("%s: slope %s (%s)", m.what, fmtSlope(s), ciText(lo, hi))})
			}
			return ms
		}
		ms := withSlopes(movementKeys)
		if err := draw(f, name(f, "movement"), f.Label+": distance from initialisation", "width", "median over seeds", ms, true); err != nil {
			return files, err
		}
		var rates []deepnetMetric
		for _, k := range rateKeys {
			rates = append(rates, widthMetric(k))
		}
		if err := draw(f, name(f, "rate"), f.Label+": linear-convergence rate", "width", "rate per step", rates, false); err != nil {
			return files, err
		}
		if err := draw(f, name(f, "rate-gap"), f.Label+": rate gaps", "width", "median over seeds", withSlopes(gapKeys), true); err != nil {
			return files, err
		}
	}
	for _, f := range deepnetFamilies(gs, false, alphaMetrics) {
		if err := draw(f, name(f, "lazy-error"), f.Label+": test error against alpha", "alpha", "test relative MSE", alphaMetrics[:3], false); err != nil {
			return files, err
		}
		if err := draw(f, name(f, "lazy-movement"), f.Label+": movement against alpha", "alpha", "median over seeds", alphaMetrics[3:], true); err != nil {
			return files, err
		}
	}
	return files, nil
}
