package compare

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Plots: every point is the median over seeds with an error bar from the
// first to the third quartile; stage and K axes have integer ticks; the
// legend sits to the right of the data, never over it; every learner
// keeps one colour across all plots of a report; each plot is written as
// PNG and, beside it, SVG.

// palette holds the learners' colours (Tableau 10 and two more).
var palette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{214, 39, 40, 255}, color.RGBA{44, 160, 44, 255},
	color.RGBA{255, 127, 14, 255}, color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255},
	color.RGBA{227, 119, 194, 255}, color.RGBA{127, 127, 127, 255}, color.RGBA{188, 189, 34, 255},
	color.RGBA{23, 190, 207, 255}, color.RGBA{0, 0, 128, 255}, color.RGBA{128, 128, 0, 255},
}

// style is a learner's colour and marker, the same in every plot.
type style struct {
	color color.Color
	shape draw.GlyphDrawer
}

// styles gives every learner of rs a style, in report order.
func styles(rs []Result) map[string]style {
	var ls []string
	seen := map[string]bool{}
	for _, r := range rs {
		if !seen[r.Cell.Learner] {
			seen[r.Cell.Learner] = true
			ls = append(ls, r.Cell.Learner)
		}
	}
	sort.Slice(ls, func(i, j int) bool { return learnerOrder(ls[i]) < learnerOrder(ls[j]) })
	out := map[string]style{}
	for i, l := range ls {
		out[l] = style{color: palette[i%len(palette)], shape: plotutil.Shape(i)}
	}
	return out
}

// series is one line of a plot: points with their IQR bars.
type series struct {
	label string
	st    style
	pts   []point
}

type point struct {
	x float64
	s stat
}

// writePlots draws, per concept, test error against n (a bar chart when
// the concept was run at one n), the layer-2 feature error after each
// stage for every HNet learner, every layer's feature error after each
// stage per HNet learner, the wall time per learner, and, for bfc-K
// learners, test and feature errors against K; across concepts, the
// scaling plot (smallest n reaching an error against d). It returns the
// PNG file names written (each has an SVG twin).
func writePlots(dir string, rs []Result) (files []string, err error) {
	// gonum/plot panics on some degenerate data; a report must still be
	// written, so turn that into an error.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("plot: %v", p)
		}
	}()
	sty := styles(rs)
	gs := groups(rs)
	add := func(f string, err error) error {
		if f != "" {
			files = append(files, f)
		}
		return err
	}
	for ci, cg := range byConcept(gs) {
		suffix := ""
		if ci > 0 {
			suffix = fmt.Sprintf("-%d", ci+1)
		}
		if err := add(plotErrorVsN(dir, cg, sty, "error-vs-n"+suffix)); err != nil {
			return files, err
		}
		if err := add(plotBFC(dir, cg, sty, "feature-error"+suffix)); err != nil {
			return files, err
		}
		for _, g := range largestN(cg) {
			if strings.HasPrefix(g.Learner, "hnet:") {
				name := "layers-" + strings.ReplaceAll(strings.TrimPrefix(g.Learner, "hnet:"), ":", "-") + suffix
				if err := add(plotLayers(dir, g, name)); err != nil {
					return files, err
				}
			}
		}
		if err := add(plotBackwardDepth(dir, cg, "backward-depth"+suffix)); err != nil {
			return files, err
		}
		if err := add(plotRuntime(dir, cg, sty, "runtime"+suffix)); err != nil {
			return files, err
		}
	}
	for _, th := range scalingThresholds {
		if err := add(plotScaling(dir, gs, sty, th)); err != nil {
			return files, err
		}
	}
	deep, err := plotDeepnetSweeps(dir, gs)
	files = append(files, deep...)
	if err != nil {
		return files, err
	}
	fi, err := plotFeatureImportance(dir, gs)
	files = append(files, fi...)
	if err != nil {
		return files, err
	}
	pur, err := plotPurification(dir, gs)
	files = append(files, pur...)
	if err != nil {
		return files, err
	}
	rb, err := plotRealBFC(dir, gs)
	files = append(files, rb...)
	if err != nil {
		return files, err
	}
	return files, nil
}

// largestN keeps, per learner, the group with the largest n.
func largestN(cg []*group) []*group {
	last := map[string]*group{}
	var order []string
	for _, g := range cg {
		if prev, ok := last[g.Learner]; !ok || g.N > prev.N {
			if !ok {
				order = append(order, g.Learner)
			}
			last[g.Learner] = g
		}
	}
	out := make([]*group, len(order))
	for i, l := range order {
		out[i] = last[l]
	}
	return out
}

func errValues(g *group) []float64 {
	var xs []float64
	for _, r := range g.Results {
		if _, v, ok := errorMetric(r); ok {
			xs = append(xs, v)
		}
	}
	return xs
}

func plotErrorVsN(dir string, cg []*group, sty map[string]style, name string) (string, error) {
	ns := map[int]bool{}
	for _, g := range cg {
		ns[g.N] = true
	}
	var ss []series
	idx := map[string]int{}
	for _, g := range cg {
		s := newStat(errValues(g))
		if s.N == 0 || !(s.Median > 0) {
			continue
		}
		i, ok := idx[g.Learner]
		if !ok {
			i = len(ss)
			idx[g.Learner] = i
			ss = append(ss, series{label: g.Learner, st: sty[g.Learner]})
		}
		ss[i].pts = append(ss[i].pts, point{float64(g.N), s})
	}
	if len(ss) == 0 {
		return "", nil
	}
	if len(ns) == 1 {
		n := 0
		for k := range ns {
			n = k
		}
		return barPlot(dir, name, fmt.Sprintf("test error at n=%d\n%s", n, cg[0].Concept), "test error (median, IQR)", ss, true)
	}
	p := plot.New()
	p.Title.Text = "test error vs n\n" + cg[0].Concept
	p.X.Label.Text = "training samples n"
	p.Y.Label.Text = "test error (median over seeds, IQR bars)"
	logAxes(p, true, true)
	lg, err := addSeries(p, ss)
	if err != nil {
		return "", err
	}
	fixLogRange(&p.X)
	fixLogRange(&p.Y)
	return savePlot(dir, name, p, lg, 8*vg.Inch, 5*vg.Inch)
}

// barPlot draws one bar (median) with its IQR bar per series, the x axis
// naming them; log draws the values on a log axis (bars rise from below
// the smallest first quartile).
func barPlot(dir, name, title, ylabel string, ss []series, log bool) (string, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	lo := math.Inf(1)
	for _, s := range ss {
		lo = math.Min(lo, math.Min(s.pts[0].s.Q1, s.pts[0].s.Median))
	}
	base := 0.0
	if log {
		logAxes(p, false, true)
		base = lo / 3
		if !(base > 0) {
			base = 1e-12
		}
	}
	var labels []string
	for i, s := range ss {
		st := s.pts[0].s
		bar, err := plotter.NewLine(plotter.XYs{{X: float64(i), Y: base}, {X: float64(i), Y: st.Median}})
		if err != nil {
			return "", err
		}
		bar.Color, bar.Width = s.st.color, vg.Points(22)
		p.Add(bar)
		if eb, err := iqrBars([]point{{float64(i), st}}); err == nil {
			p.Add(eb)
		}
		labels = append(labels, s.label)
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.7, float64(len(ss))-0.3
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = draw.XRight
	if log {
		p.Y.Min = base
		fixLogRange(&p.Y)
	} else {
		p.Y.Min = 0
	}
	w := vg.Length(math.Max(6, float64(len(ss))*0.8)) * vg.Inch
	return savePlot(dir, name, p, nil, w, 5*vg.Inch)
}

// iqrBars are error bars from Q1 to Q3 at each point.
func iqrBars(pts []point) (*plotter.YErrorBars, error) {
	var xy plotter.XYs
	var errs plotter.YErrors
	for _, p := range pts {
		if p.s.N < 2 || math.IsNaN(p.s.Q1) {
			continue
		}
		xy = append(xy, plotter.XY{X: p.x, Y: p.s.Median})
		errs = append(errs, struct{ Low, High float64 }{p.s.Median - p.s.Q1, p.s.Q3 - p.s.Median})
	}
	if len(xy) == 0 {
		return nil, fmt.Errorf("no spread")
	}
	return plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{xy, errs})
}

// legend is a plot legend with the texts of its entries (gonum's keeps
// them private; savePlot needs their width).
type legend struct {
	plot.Legend
	labels []string
}

// addSeries draws every series as a line with markers and IQR bars and
// returns the legend (drawn beside the plot by savePlot).
func addSeries(p *plot.Plot, ss []series) (*legend, error) {
	lg := &legend{Legend: plot.NewLegend()}
	lg.Top, lg.Left = true, true
	for _, s := range ss {
		sort.Slice(s.pts, func(a, b int) bool { return s.pts[a].x < s.pts[b].x })
		var xy plotter.XYs
		for _, pt := range s.pts {
			xy = append(xy, plotter.XY{X: pt.x, Y: pt.s.Median})
		}
		line, points, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, err
		}
		line.Color, points.Color, points.Shape = s.st.color, s.st.color, s.st.shape
		points.Radius = vg.Points(3)
		p.Add(line, points)
		if eb, err := iqrBars(s.pts); err == nil {
			eb.Color = s.st.color
			eb.CapWidth = vg.Points(6)
			p.Add(eb)
		}
		lg.Add(s.label, line, points)
		lg.labels = append(lg.labels, s.label)
	}
	return lg, nil
}

func logAxes(p *plot.Plot, x, y bool) {
	if x {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, logTicks{}
	}
	if y {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicks{}
	}
}

// logTicks marks 1..9 times every power of ten in the range and labels
// the powers of ten, also 2 and 5 times them when the axis spans less
// than three decades, and every mark when it spans less than half a
// decade (gonum's LogTicks leaves out the partial decade at the bottom,
// where small errors sit).
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0 && max > min) {
		return plot.LogTicks{Prec: -1}.Ticks(min, max)
	}
	span := math.Log10(max / min)
	var out []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		p := math.Pow(10, e)
		for m := 1.0; m <= 9; m++ {
			v := m * p
			if v < min*(1-1e-9) || v > max*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (span < 3 && (m == 2 || m == 5)) || span < 0.5 {
				t.Label = strconv.FormatFloat(v, 'g', 3, 64)
			}
			out = append(out, t)
		}
	}
	return out
}

// intTicks marks every integer of the axis range (stages, K).
type intTicks struct{}

func (intTicks) Ticks(min, max float64) []plot.Tick {
	var out []plot.Tick
	for v := math.Ceil(min); v <= max; v++ {
		out = append(out, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return out
}

// intAxis gives an axis integer ticks and half a unit of room either side.
func intAxis(ax *plot.Axis, lo, hi float64) {
	ax.Tick.Marker = intTicks{}
	ax.Min, ax.Max = lo-0.5, hi+0.5
}

func plotBFC(dir string, cg []*group, sty map[string]style, name string) (string, error) {
	p := plot.New()
	p.Title.Text = "layer-2 feature error after each stage"
	p.X.Label.Text = "stage (top layer switched on)"
	p.Y.Label.Text = "feature error e_2 (median, IQR)"
	logAxes(p, false, true)
	var ss []series
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, g := range largestN(cg) {
		if !strings.HasPrefix(g.Learner, "hnet:") {
			continue
		}
		acc := map[int][]float64{}
		for _, r := range g.Results {
			for st, row := range stageErrors(r) {
				if v, ok := row[2]; ok && v > 0 {
					acc[st] = append(acc[st], v)
				}
			}
		}
		s := series{label: fmt.Sprintf("%s n=%d", g.Learner, g.N), st: sty[g.Learner]}
		for _, st := range sortedIntsOf(acc) {
			s.pts = append(s.pts, point{float64(st), newStat(acc[st])})
			lo, hi = math.Min(lo, float64(st)), math.Max(hi, float64(st))
		}
		if len(s.pts) > 0 {
			ss = append(ss, s)
		}
	}
	if len(ss) == 0 {
		return "", nil
	}
	lg, err := addSeries(p, ss)
	if err != nil {
		return "", err
	}
	intAxis(&p.X, lo, hi)
	fixLogRange(&p.Y)
	return savePlot(dir, name, p, lg, 8*vg.Inch, 5*vg.Inch)
}

// layerStyle is the style of layer l's line in the per-layer plots.
func layerStyle(l int) style {
	return style{color: palette[(l+8)%len(palette)], shape: plotutil.Shape(l)}
}

// plotLayers draws, for one HNet learner, every layer's feature error
// after each stage: backward feature correction shows as e_l falling in
// the stages after l.
func plotLayers(dir string, g *group, name string) (string, error) {
	acc := map[int]map[int][]float64{} // layer -> stage -> values
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range g.Results {
		for st, row := range stageErrors(r) {
			for l, v := range row {
				if v > 0 {
					if acc[l] == nil {
						acc[l] = map[int][]float64{}
					}
					acc[l][st] = append(acc[l][st], v)
					lo, hi = math.Min(lo, float64(st)), math.Max(hi, float64(st))
				}
			}
		}
	}
	if len(acc) == 0 {
		return "", nil
	}
	var ss []series
	for _, l := range sortedIntsOf(acc) {
		s := series{label: fmt.Sprintf("e_%d", l), st: layerStyle(l)}
		for _, st := range sortedIntsOf(acc[l]) {
			s.pts = append(s.pts, point{float64(st), newStat(acc[l][st])})
		}
		ss = append(ss, s)
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s, n=%d: feature error of every layer after each stage", g.Learner, g.N)
	p.X.Label.Text = "stage (top layer switched on)"
	p.Y.Label.Text = "feature error e_l (median, IQR)"
	logAxes(p, false, true)
	lg, err := addSeries(p, ss)
	if err != nil {
		return "", err
	}
	intAxis(&p.X, lo, hi)
	fixLogRange(&p.Y)
	return savePlot(dir, name, p, lg, 8*vg.Inch, 5*vg.Inch)
}

// bfcK returns K for a learner "hnet:bfc-K", and 0 for "hnet:layerwise".
func bfcK(learner string) (int, bool) {
	if learner == "hnet:layerwise" {
		return 0, true
	}
	s, ok := strings.CutPrefix(learner, "hnet:bfc-")
	if !ok {
		return 0, false
	}
	k, err := strconv.Atoi(s)
	return k, err == nil && k >= 0
}

// plotBackwardDepth draws, at the largest n, the test error and every
// layer's final feature error against K for the bfc-K learners.
func plotBackwardDepth(dir string, cg []*group, name string) (string, error) {
	test := series{label: "test error", st: style{color: color.Black, shape: draw.BoxGlyph{}}}
	layers := map[int]*series{}
	ks := map[int]bool{}
	for _, g := range largestN(cg) {
		k, ok := bfcK(g.Learner)
		if !ok || g.Learner == "hnet:layerwise" {
			continue
		}
		ks[k] = true
		test.pts = append(test.pts, point{float64(k), newStat(errValues(g))})
		fe := map[int][]float64{}
		for _, r := range g.Results {
			se := stageErrors(r)
			last := -1
			for st := range se {
				last = max(last, st)
			}
			for l, v := range se[last] {
				fe[l] = append(fe[l], v)
			}
		}
		for l, vs := range fe {
			if layers[l] == nil {
				layers[l] = &series{label: fmt.Sprintf("e_%d after the last stage", l), st: layerStyle(l)}
			}
			layers[l].pts = append(layers[l].pts, point{float64(k), newStat(vs)})
		}
	}
	if len(ks) < 2 {
		return "", nil
	}
	ss := []series{test}
	for _, l := range sortedIntsOf(layers) {
		ss = append(ss, *layers[l])
	}
	kl := sortedInts(ks)
	p := plot.New()
	p.Title.Text = "backward depth: bfc-K trains layers l-K..l in stage l (K=0 layerwise)"
	p.X.Label.Text = "K (layers below the new one that are trained)"
	p.Y.Label.Text = "error (median, IQR)"
	logAxes(p, false, true)
	lg, err := addSeries(p, ss)
	if err != nil {
		return "", err
	}
	intAxis(&p.X, float64(kl[0]), float64(kl[len(kl)-1]))
	fixLogRange(&p.Y)
	return savePlot(dir, name, p, lg, 8*vg.Inch, 5*vg.Inch)
}

func plotRuntime(dir string, cg []*group, sty map[string]style, name string) (string, error) {
	var ss []series
	for _, g := range largestN(cg) {
		var xs []float64
		for _, r := range g.Results {
			xs = append(xs, r.Seconds)
		}
		ss = append(ss, series{label: g.Learner, st: sty[g.Learner], pts: []point{{0, newStat(xs)}}})
	}
	if len(ss) == 0 {
		return "", nil
	}
	return barPlot(dir, name, "wall time per learner (largest n)", "seconds (median, IQR)", ss, false)
}

// savePlot writes p as dir/name.png and dir/name.svg, with the legend lg
// (if any) in a column to the right of the plot, and returns the PNG's
// name.
func savePlot(dir, name string, p *plot.Plot, lg *legend, w, h vg.Length) (string, error) {
	var lw vg.Length
	if lg != nil {
		for _, e := range lg.labels {
			lw = max(lw, lg.TextStyle.Width(e))
		}
		lw += lg.ThumbnailWidth + 3*lg.Padding + vg.Points(14)
	}
	for _, ext := range []string{"png", "svg"} {
		c, err := draw.NewFormattedCanvas(w+lw, h, ext)
		if err != nil {
			return "", err
		}
		dc := draw.New(c)
		p.Draw(draw.Crop(dc, 0, -lw, 0, 0))
		if lg != nil {
			lg.Draw(draw.Crop(dc, w, 0, 0, -vg.Points(30)))
		}
		f, err := os.Create(filepath.Join(dir, name+"."+ext))
		if err != nil {
			return "", err
		}
		_, err = c.WriteTo(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", err
		}
	}
	return name + ".png", nil
}

// fixLogRange makes a log axis drawable when its data span one value (the
// plot library pads such a range by ±1, which leaves the log domain).
// Otherwise it widens the range by a twentieth of its decades either side,
// so that no marker or error bar touches the frame or the title.
func fixLogRange(ax *plot.Axis) {
	if !(ax.Min > 0 && ax.Max > ax.Min) {
		v := math.Max(math.Abs(ax.Max), math.SmallestNonzeroFloat64)
		ax.Min, ax.Max = v/2, v*2
		return
	}
	pad := math.Pow(ax.Max/ax.Min, 0.05)
	ax.Min, ax.Max = ax.Min/pad, ax.Max*pad
}
