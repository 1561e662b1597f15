package compare

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// writePlots draws error vs n (log-log, one line per learner and concept),
// the feature error of layer 2 after each stage per HNet mode, and the
// wall time per learner. It returns the file names written.
func writePlots(dir string, rs []Result) (files []string, err error) {
	// gonum/plot panics on some degenerate data; a report must still be
	// written, so turn that into an error.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("plot: %v", p)
		}
	}()
	gs := groups(rs)
	for ci, cg := range byConcept(gs) {
		suffix := ""
		if ci > 0 {
			suffix = fmt.Sprintf("-%d", ci+1)
		}
		if f, err := plotErrorVsN(dir, cg, "error-vs-n"+suffix+".png"); err != nil {
			return files, err
		} else if f != "" {
			files = append(files, f)
		}
		if f, err := plotBFC(dir, cg, "feature-error"+suffix+".png"); err != nil {
			return files, err
		} else if f != "" {
			files = append(files, f)
		}
		if f, err := plotRuntime(dir, cg, "runtime"+suffix+".png"); err != nil {
			return files, err
		} else if f != "" {
			files = append(files, f)
		}
	}
	return files, nil
}

func plotErrorVsN(dir string, cg []*group, name string) (string, error) {
	p := plot.New()
	p.Title.Text = "test error vs n: " + cg[0].Concept
	p.X.Label.Text = "training samples n"
	p.Y.Label.Text = "test error"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	byL := map[string]plotter.XYs{}
	var order []string
	for _, g := range cg {
		_, s := g.errStat()
		if s.N == 0 || !(s.Mean > 0) {
			continue
		}
		if _, ok := byL[g.Learner]; !ok {
			order = append(order, g.Learner)
		}
		byL[g.Learner] = append(byL[g.Learner], plotter.XY{X: float64(g.N), Y: s.Mean})
	}
	if len(order) == 0 {
		return "", nil
	}
	for i, l := range order {
		pts := byL[l]
		sort.Slice(pts, func(a, b int) bool { return pts[a].X < pts[b].X })
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return "", err
		}
		line.Color = plotutil.Color(i)
		line.Dashes = plotutil.Dashes(i / 7)
		points.Color = plotutil.Color(i)
		points.Shape = plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(l, line, points)
	}
	p.Legend.Top = false
	p.Legend.Left = true
	fixLogRange(&p.X)
	fixLogRange(&p.Y)
	return name, p.Save(7*vg.Inch, 5*vg.Inch, filepath.Join(dir, name))
}

func plotBFC(dir string, cg []*group, name string) (string, error) {
	p := plot.New()
	p.Title.Text = "layer-2 feature error after each stage"
	p.X.Label.Text = "stage (layer switched on)"
	p.Y.Label.Text = "feature error e_2"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	i := 0
	for _, g := range cg {
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
		var pts plotter.XYs
		for _, st := range sortedIntsOf(acc) {
			pts = append(pts, plotter.XY{X: float64(st), Y: newStat(acc[st]).Mean})
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return "", err
		}
		line.Color, points.Color, points.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(fmt.Sprintf("%s n=%d", g.Learner, g.N), line, points)
		i++
	}
	if i == 0 {
		return "", nil
	}
	p.Legend.Top = true
	fixLogRange(&p.Y)
	return name, p.Save(7*vg.Inch, 5*vg.Inch, filepath.Join(dir, name))
}

func plotRuntime(dir string, cg []*group, name string) (string, error) {
	// Wall time per learner at the largest n.
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
	if len(order) == 0 {
		return "", nil
	}
	vals := make(plotter.Values, len(order))
	for i, l := range order {
		vals[i] = math.Max(last[l].secondsStat().Mean, 1e-3)
	}
	p := plot.New()
	p.Title.Text = "wall time per learner (largest n)"
	p.Y.Label.Text = "seconds"
	bars, err := plotter.NewBarChart(vals, vg.Points(18))
	if err != nil {
		return "", err
	}
	bars.Color = color.RGBA{R: 60, G: 110, B: 180, A: 255}
	p.Add(bars)
	p.NominalX(order...)
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = -0.9
	w := vg.Length(math.Max(6, float64(len(order))*0.9)) * vg.Inch
	return name, p.Save(w, 5*vg.Inch, filepath.Join(dir, name))
}

// fixLogRange makes a log axis drawable when its data span one value (the
// plot library pads such a range by ±1, which leaves the log domain).
func fixLogRange(ax *plot.Axis) {
	if ax.Min > 0 && ax.Max > ax.Min {
		return
	}
	v := math.Max(math.Abs(ax.Max), math.SmallestNonzeroFloat64)
	ax.Min, ax.Max = v/2, v*2
}
