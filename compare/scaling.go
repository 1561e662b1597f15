package compare

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/hierlearn/hierlearn/train"
)

// Sample complexity against dimension: for every learner run at several
// input dimensions d and several n, n*(d) is the smallest n of the grid
// whose median test error over seeds is at most a threshold, and the
// slope of log n* against log d (least squares) says how the sample
// complexity grows: about constant or a small power of d for a
// hierarchical learner, faster for the kernels. Its 95% interval is a
// percentile bootstrap that resamples the seeds of every (d, n) cell.

// scalingThresholds are the test errors n* is measured at.
var scalingThresholds = []float64{1e-2, 1e-1}

// scalingFit is one learner's n*(d) at one threshold and its fitted
// slope.
type scalingFit struct {
	Experiment string
	Learner    string
	Threshold  float64
	D          []int
	NStar      []float64 // NaN where no n of the grid reaches the threshold
	Slope      float64   // NaN with fewer than two d reaching it
	CILo, CIHi float64
}

// scalingData is, for one (experiment, learner), errs[d][n] = test
// errors over seeds.
type scalingData map[int]map[int][]float64

// scalingFits computes the fits of every (experiment, learner) run at two
// or more d and two or more n, the concept otherwise the same.
func scalingFits(gs []*group, th float64) []scalingFit {
	type key struct{ exp, learner, rest string }
	data := map[key]scalingData{}
	var order []key
	for _, g := range gs {
		if len(g.Results) == 0 || g.Results[0].Cell.Dataset != "" {
			continue
		}
		spec := g.Results[0].Cell.Concept
		d := spec.D
		spec.D = 0
		k := key{g.Experiment, g.Learner, Cell{Concept: spec}.Key()}
		if data[k] == nil {
			data[k] = scalingData{}
			order = append(order, k)
		}
		if data[k][d] == nil {
			data[k][d] = map[int][]float64{}
		}
		data[k][d][g.N] = append(data[k][d][g.N], errValues(g)...)
	}
	var out []scalingFit
	for _, k := range order {
		sd := data[k]
		ns := map[int]bool{}
		for _, byN := range sd {
			for n := range byN {
				ns[n] = true
			}
		}
		if len(sd) < 2 || len(ns) < 2 {
			continue
		}
		f := scalingFit{Experiment: k.exp, Learner: k.learner, Threshold: th, D: sortedIntsOf(sd)}
		f.NStar = sd.nStar(th, nil)
		f.Slope = logSlope(f.D, f.NStar)
		f.CILo, f.CIHi = sd.slopeCI(f.D, th)
		out = append(out, f)
	}
	return out
}

// nStar is n*(d) for every d (sorted); with rng set, each cell's seeds
// are resampled with replacement first.
func (sd scalingData) nStar(th float64, rng *rand.Rand) []float64 {
	var out []float64
	for _, d := range sortedIntsOf(sd) {
		v := math.NaN()
		for _, n := range sortedIntsOf(sd[d]) {
			xs := sd[d][n]
			if rng != nil {
				re := make([]float64, len(xs))
				for i := range re {
					re[i] = xs[rng.IntN(len(xs))]
				}
				xs = re
			}
			if len(xs) > 0 && train.Quantile(xs, 0.5) <= th {
				v = float64(n)
				break
			}
		}
		out = append(out, v)
	}
	return out
}

// slopeCI is the percentile bootstrap 95% interval of the slope (NaN when
// fewer than half the resamples give one).
func (sd scalingData) slopeCI(ds []int, th float64) (lo, hi float64) {
	rng := rand.New(rand.NewPCG(bootSeed, uint64(th*1e6)))
	var slopes []float64
	const resamples = 1000
	for b := 0; b < resamples; b++ {
		if s := logSlope(ds, sd.nStar(th, rng)); !math.IsNaN(s) {
			slopes = append(slopes, s)
		}
	}
	if len(slopes) < resamples/2 {
		return math.NaN(), math.NaN()
	}
	return train.Quantile(slopes, 0.025), train.Quantile(slopes, 0.975)
}

// logSlope is the least-squares slope of log y against log x over the
// points where y is defined (NaN with fewer than two): logSlopeF for
// integer x.
func logSlope(xs []int, ys []float64) float64 {
	fx := make([]float64, len(xs))
	for i, x := range xs {
		fx[i] = float64(x)
	}
	return logSlopeF(fx, ys)
}

// writeScaling prints n*(d) and the slopes.
func writeScaling(w io.Writer, gs []*group) {
	for _, th := range scalingThresholds {
		fits := scalingFits(gs, th)
		if len(fits) == 0 {
			continue
		}
		ds := map[int]bool{}
		for _, f := range fits {
			for _, d := range f.D {
				ds[d] = true
			}
		}
		dl := sortedInts(ds)
		fmt.Fprintf(w, "Sample complexity: smallest n of the grid whose median test error is <= %g (\"-\": none), and the least-squares slope of log n* against log d with its bootstrap 95%% interval (seeds resampled)\n\n| learner |", th)
		for _, d := range dl {
			fmt.Fprintf(w, " d=%d |", d)
		}
		fmt.Fprintf(w, " slope | 95%% CI |\n|---|%s---|---|\n", strings.Repeat("---|", len(dl)))
		for _, f := range fits {
			fmt.Fprintf(w, "| %s |", f.Learner)
			at := map[int]float64{}
			for i, d := range f.D {
				at[d] = f.NStar[i]
			}
			for _, d := range dl {
				if v, ok := at[d]; ok && !math.IsNaN(v) {
					fmt.Fprintf(w, " %d |", int(v))
				} else {
					fmt.Fprintf(w, " - |")
				}
			}
			fmt.Fprintf(w, " %s | %s |\n", fmtSlope(f.Slope), ciText(f.CILo, f.CIHi))
		}
		fmt.Fprintln(w)
	}
}

func fmtSlope(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.2f", v)
}

func ciText(lo, hi float64) string {
	if math.IsNaN(lo) {
		return "-"
	}
	return fmt.Sprintf("%.2f .. %.2f", lo, hi)
}

// plotScaling draws n*(d) per learner, log-log, with the fitted lines.
func plotScaling(dir string, gs []*group, sty map[string]style, th float64) (string, error) {
	fits := scalingFits(gs, th)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("smallest n reaching median test error %g", th)
	p.X.Label.Text = "input dimension d"
	p.Y.Label.Text = "n*"
	logAxes(p, true, true)
	lg := &legend{Legend: plot.NewLegend()}
	lg.Top, lg.Left = true, true
	drawn := 0
	for _, f := range fits {
		var xy plotter.XYs
		for i, d := range f.D {
			if !math.IsNaN(f.NStar[i]) {
				xy = append(xy, plotter.XY{X: float64(d), Y: f.NStar[i]})
			}
		}
		if len(xy) == 0 {
			continue
		}
		st := sty[f.Learner]
		pts, err := plotter.NewScatter(xy)
		if err != nil {
			return "", err
		}
		pts.Color, pts.Shape, pts.Radius = st.color, st.shape, vg.Points(4)
		p.Add(pts)
		label := f.Learner
		if !math.IsNaN(f.Slope) {
			// The fitted line through the centroid of the logs.
			var mx, my float64
			for _, q := range xy {
				mx += math.Log(q.X)
				my += math.Log(q.Y)
			}
			mx /= float64(len(xy))
			my /= float64(len(xy))
			sort.Slice(xy, func(a, b int) bool { return xy[a].X < xy[b].X })
			at := func(x float64) plotter.XY { return plotter.XY{X: x, Y: math.Exp(my + f.Slope*(math.Log(x)-mx))} }
			line, err := plotter.NewLine(plotter.XYs{at(xy[0].X), at(xy[len(xy)-1].X)})
			if err != nil {
				return "", err
			}
			line.Color = st.color
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(line)
			label = fmt.Sprintf("%s: slope %s (%s)", f.Learner, fmtSlope(f.Slope), ciText(f.CILo, f.CIHi))
		}
		lg.Add(label, pts)
		lg.labels = append(lg.labels, label)
		drawn++
	}
	if drawn == 0 {
		return "", nil
	}
	fixLogRange(&p.X)
	fixLogRange(&p.Y)
	name := fmt.Sprintf("scaling-%g", th)
	return savePlot(dir, name, p, lg, 7*vg.Inch, 5*vg.Inch)
}
