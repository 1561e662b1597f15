package compare

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hierlearn/hierlearn/internal/atomicfile"
)

// Report writes dir/report.md and the PNG plots from dir/results.jsonl.
// It depends on the results file alone, so the report of merged shards
// equals the report of an unsharded run.
func Report(dir string) error {
	rs, err := ReadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		return fmt.Errorf("read results: %w", err)
	}
	rs = Latest(rs)
	plots, err := writePlots(dir, rs)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	var buf bytes.Buffer
	writeReport(&buf, rs, plots)
	return atomicfile.WriteBytes(filepath.Join(dir, "report.md"), buf.Bytes())
}

// writeReport renders the markdown report.
func writeReport(w io.Writer, rs []Result, plots []string) {
	fmt.Fprintf(w, "# hierlearn comparison report\n\n")
	versions := map[string]bool{}
	failed := 0
	for _, r := range rs {
		versions[r.Version] = true
		if !r.OK() {
			failed++
		}
	}
	fmt.Fprintf(w, "- cells: %d (%d failed)\n", len(rs), failed)
	fmt.Fprintf(w, "- hierlearn versions: %s\n", strings.Join(sortedKeys(versions), ", "))
	fmt.Fprintf(w, "- errors: test relative MSE = MSE / Var(y_test) for regression, 0-1 error for classification; the median over seeds, [the interquartile range Q1, Q3] from 2 seeds on and, from 3 on, the bootstrap 95%% confidence interval of the median (%d resamples); errors of one learner can vary over decades between seeds, so ratios are of medians\n", bootResamples)
	fmt.Fprintf(w, "- times: wall seconds of the whole cell (fit + evaluation) on the machine that ran it\n\n")

	gs := groups(rs)
	byExp := map[string][]*group{}
	var exps []string
	for _, g := range gs {
		if _, ok := byExp[g.Experiment]; !ok {
			exps = append(exps, g.Experiment)
		}
		byExp[g.Experiment] = append(byExp[g.Experiment], g)
	}
	for _, e := range exps {
		fmt.Fprintf(w, "## %s\n\n", e)
		writeErrorTables(w, byExp[e])
		writeSeparation(w, byExp[e])
		writeScaling(w, byExp[e])
		writeBFC(w, byExp[e])
		writeAgreement(w, byExp[e])
		writeDeepnetSweeps(w, byExp[e])
		writeFeatureImportance(w, byExp[e])
		writePurification(w, byExp[e])
		writeRealBFC(w, byExp[e])
	}
	if len(plots) > 0 {
		fmt.Fprintf(w, "## Plots\n\n")
		for _, p := range plots {
			fmt.Fprintf(w, "![%s](%s)\n\n", strings.TrimSuffix(p, ".png"), p)
		}
	}
	if failed > 0 {
		fmt.Fprintf(w, "## Failed cells\n\n| cell | key | error |\n|---|---|---|\n")
		for _, r := range rs {
			if !r.OK() {
				msg := strings.ReplaceAll(firstLine(r.Error), "|", "\\|")
				fmt.Fprintf(w, "| %s | %s | %s |\n", r.Cell, r.Key, msg)
			}
		}
		fmt.Fprintln(w)
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// writeErrorTables prints, per concept, a learner x n table of test error
// and one of wall time.
func writeErrorTables(w io.Writer, gs []*group) {
	for _, cg := range byConcept(gs) {
		ns := map[int]bool{}
		var learners []string
		seenL := map[string]bool{}
		cell := map[string]*group{}
		metric := ""
		for _, g := range cg {
			ns[g.N] = true
			if !seenL[g.Learner] {
				seenL[g.Learner] = true
				learners = append(learners, g.Learner)
			}
			cell[fmt.Sprintf("%s|%d", g.Learner, g.N)] = g
			if m, _ := g.errStat(); m != "" {
				metric = m
			}
		}
		nl := sortedInts(ns)
		fmt.Fprintf(w, "### %s\n\n%s by learner and n (seeds per cell in brackets)\n\n", cg[0].Concept, metric)
		fmt.Fprintf(w, "| learner |")
		for _, n := range nl {
			fmt.Fprintf(w, " n=%d |", n)
		}
		fmt.Fprintf(w, " wall s (largest n) |\n|---|")
		for range nl {
			fmt.Fprintf(w, "---|")
		}
		fmt.Fprintf(w, "---|\n")
		for _, l := range learners {
			fmt.Fprintf(w, "| %s |", l)
			var last *group
			for _, n := range nl {
				g := cell[fmt.Sprintf("%s|%d", l, n)]
				if g == nil {
					fmt.Fprintf(w, " - |")
					continue
				}
				_, s := g.errStat()
				fmt.Fprintf(w, " %s [%d] |", s, s.N)
				last = g
			}
			if last != nil {
				fmt.Fprintf(w, " %s |\n", last.secondsStat())
			} else {
				fmt.Fprintf(w, " - |\n")
			}
		}
		fmt.Fprintln(w)
	}
}

// writeSeparation prints the ratios the paper is about, at each n.
func writeSeparation(w io.Writer, gs []*group) {
	for _, cg := range byConcept(gs) {
		byN := map[int]map[string]*group{}
		for _, g := range cg {
			if byN[g.N] == nil {
				byN[g.N] = map[string]*group{}
			}
			byN[g.N][g.Learner] = g
		}
		var rows []string
		for _, n := range sortedIntsOf(byN) {
			m := byN[n]
			prog := m["hnet:progressive"]
			if prog == nil {
				continue
			}
			_, ps := prog.errStat()
			ratio := func(g *group) string {
				if g == nil {
					return "-"
				}
				_, s := g.errStat()
				return fmt.Sprintf("%.1fx", s.Median/ps.Median)
			}
			bestK, bestName := math.Inf(1), "-"
			for l, g := range m {
				if strings.HasPrefix(l, "kernel:") {
					if _, s := g.errStat(); s.Median < bestK {
						bestK, bestName = s.Median, l
					}
				}
			}
			best := "-"
			if bestName != "-" {
				best = fmt.Sprintf("%.0fx (%s)", bestK/ps.Median, bestName)
			}
			e2 := "-"
			if lw := m["hnet:layerwise"]; lw != nil {
				a, b := medianFinalFE(lw, 2), medianFinalFE(prog, 2)
				if !math.IsNaN(a) && !math.IsNaN(b) {
					e2 = fmt.Sprintf("%.1fx (%s vs %s)", a/b, fmtNum(a), fmtNum(b))
				}
			}
			rows = append(rows, fmt.Sprintf("| %d | %s | %s | %s | %s | %s |", n, ps, ratio(m["hnet:layerwise"]), ratio(m["mlp"]), best, e2))
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "Separation (%s): medians relative to HNet progressive's\n\n", cg[0].Concept)
		fmt.Fprintf(w, "| n | progressive | layerwise / progressive | MLP / progressive | best kernel / progressive | layer-2 feature error, layerwise / progressive |\n|---|---|---|---|---|---|\n")
		for _, r := range rows {
			fmt.Fprintln(w, r)
		}
		fmt.Fprintln(w)
	}
}

func medianFinalFE(g *group, layer int) float64 {
	var xs []float64
	for _, r := range g.Results {
		if v, ok := finalFeatureError(r, layer); ok {
			xs = append(xs, v)
		}
	}
	return newStat(xs).Median
}

// writeBFC prints the feature error of every layer after every stage, per
// HNet mode: backward feature correction shows as e_l falling after the
// stage that trains layer l+1 jointly.
func writeBFC(w io.Writer, gs []*group) {
	for _, cg := range byConcept(gs) {
		var rows []string
		for _, g := range cg {
			if !strings.HasPrefix(g.Learner, "hnet:") {
				continue
			}
			// stage -> layer -> values over seeds
			acc := map[int]map[int][]float64{}
			for _, r := range g.Results {
				for st, row := range stageErrors(r) {
					if acc[st] == nil {
						acc[st] = map[int][]float64{}
					}
					for l, v := range row {
						acc[st][l] = append(acc[st][l], v)
					}
				}
			}
			for _, st := range sortedIntsOf(acc) {
				var parts []string
				for _, l := range sortedIntsOf(acc[st]) {
					parts = append(parts, fmt.Sprintf("e%d = %s", l, newStat(acc[st][l])))
				}
				rows = append(rows, fmt.Sprintf("| %s | %d | %d | %s |", g.Learner, g.N, st, strings.Join(parts, "; ")))
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "Backward feature correction (%s): feature error e_l = min_A,c ||A S_l + c - S*_l||² / ||S*_l||² on test data, after each stage\n\n", cg[0].Concept)
		fmt.Fprintf(w, "| learner | n | after stage (layer) | feature errors |\n|---|---|---|---|\n")
		for _, r := range rows {
			fmt.Fprintln(w, r)
		}
		fmt.Fprintln(w)
	}
}

// byConcept splits groups by concept, keeping order.
func byConcept(gs []*group) [][]*group {
	idx := map[string]int{}
	var out [][]*group
	for _, g := range gs {
		i, ok := idx[g.ConceptKey]
		if !ok {
			i = len(out)
			idx[g.ConceptKey] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], g)
	}
	return out
}

func sortedInts(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func sortedIntsOf[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// Merge joins the results of several output directories (shards) into
// out/results.jsonl and writes the report there. A cell present in several
// inputs keeps its successful result.
func Merge(out string, dirs ...string) error {
	if len(dirs) == 0 {
		return fmt.Errorf("merge: no input directories")
	}
	var all []Result
	var plan *Plan
	for _, d := range dirs {
		rs, err := ReadResults(filepath.Join(d, ResultsFile))
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		all = append(all, rs...)
		if plan == nil {
			if p, err := readPlan(d); err == nil {
				plan = &p
			}
		}
	}
	all = Latest(all)
	var buf bytes.Buffer
	for _, r := range all {
		b, err := jsonLine(r)
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(out, ResultsFile), buf.Bytes()); err != nil {
		return err
	}
	if plan != nil {
		if err := writePlan(out, *plan); err != nil {
			return err
		}
	}
	return Report(out)
}

// agreementMetrics are the cross-engine checks a result may carry.
var agreementMetrics = []struct{ key, what string }{
	{"ort_max_rel_diff", "imported model: hierlearn's executor vs onnxruntime"},
	{"onnx_ort_max_rel_diff", "exported model in onnxruntime vs the Go model"},
	{"onnx_native_max_rel_diff", "exported model in hierlearn's importer vs the Go model"},
}

// writeAgreement prints, for every learner that carries cross-engine
// checks, the largest difference over its cells (max |a-b| / max |b| on
// the test set).
func writeAgreement(w io.Writer, gs []*group) {
	var rows []string
	for _, g := range gs {
		for _, am := range agreementMetrics {
			worst, n := 0.0, 0
			for _, r := range g.Results {
				if v, ok := r.Number(am.key); ok {
					worst = math.Max(worst, v)
					n++
				}
			}
			if n > 0 {
				rows = append(rows, fmt.Sprintf("| %s | %d | %s | %s | %d |", g.Learner, g.N, am.what, fmtNum(worst), n))
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "Agreement between engines on the test set (largest max|a-b|/max|b| over seeds)\n\n")
	fmt.Fprintf(w, "| learner | n | check | largest difference | cells |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintln(w, r)
	}
	fmt.Fprintln(w)
}

// WriteSummary prints the short form of a report (error tables, separation and
// backward feature correction, engine agreement; no plots) for the results
// in dir.
func WriteSummary(w io.Writer, dir string) error {
	rs, err := ReadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		return fmt.Errorf("read results: %w", err)
	}
	gs := groups(Latest(rs))
	writeErrorTables(w, gs)
	writeSeparation(w, gs)
	writeScaling(w, gs)
	writeBFC(w, gs)
	writeAgreement(w, gs)
	return nil
}

// CellDir returns the working directory of the first successful cell of
// dir's results whose learner and seed match, e.g. the run directory of
// "hnet:progressive" seed 1, for exporting that model.
func CellDir(dir, learner string, seed uint64) (string, error) {
	rs, err := ReadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		return "", err
	}
	for _, r := range Latest(rs) {
		if r.OK() && r.Cell.Learner == learner && r.Cell.Seed == seed {
			return filepath.Join(dir, "cells", r.Key), nil
		}
	}
	return "", fmt.Errorf("%s holds no finished %s cell with seed %d", dir, learner, seed)
}
