package concept

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteInfo writes a human-readable description of the concept: spec,
// degree, parameter count, normalisation constants of the output and, for
// hq, the skip set, width and variance share of every layer. The variance
// shares are the stored ones (VarianceShare: estimated on the concept's
// normalisation samples), so the output is a pure function of the file.
func (c *Concept) WriteInfo(w io.Writer) error {
	s := c.spec
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("family       %s\n", s.Family)
	p("d            %d\n", s.D)
	if s.Family == FamilyHQ {
		p("layers       %d (degree %d)\n", s.Layers, c.Degree())
		p("widths       %v\n", s.Widths)
		p("skip         %s\n", s.Skip)
		p("alpha        %v\n", s.Alpha)
		p("gain         %g\n", s.Gain)
	} else {
		p("depth        %d (not a polynomial)\n", s.Layers)
		p("widths       %v\n", s.Widths)
	}
	p("task         %s\n", s.Task)
	if s.Task == TaskClassification {
		p("label noise  %g\n", s.LabelNoise)
		p("threshold    y >= %.6g (median of y)\n", c.median)
	}
	p("seed         %d\n", s.Seed)
	p("parameters   %d\n", c.ParamCount())
	p("output       y = (y_raw - m) / s, m = %.6g, s = %.6g (from %d normalisation samples)\n", c.outMean, c.outStd, c.nNorm)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if s.Family == FamilyHQ {
		fmt.Fprintln(tw, "layer\tinputs J_l\twidth\talpha\tvariance share")
		for t, ly := range c.layers {
			fmt.Fprintf(tw, "%d\t%v\t%d\t%g\t%.4f\n", ly.L, ly.Inputs, ly.Rows, s.Alpha[t], c.share[t])
		}
	} else {
		fmt.Fprintln(tw, "layer\tin\twidth")
		for _, ly := range c.layers {
			fmt.Fprintf(tw, "%d\t%d\t%d\n", ly.L, ly.Cols[0], ly.Rows)
		}
	}
	return tw.Flush()
}
