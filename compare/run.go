package compare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/version"
)

// Data is what a Runner gets for one cell: the concept, the training and
// test sets, and a private working directory for files the learner writes.
type Data struct {
	Concept     *concept.Concept
	Train, Test *concept.Dataset
	// Dir is the cell's own directory; Root is the run's output
	// directory, where runners may cache what several cells share.
	Dir, Root string
}

// Runner fits one learner family on one cell's data and returns its
// metrics (the fields of metrics.json).
type Runner interface {
	Run(ctx context.Context, c Cell, d Data) (map[string]any, error)
}

// RunnerFunc adapts a function to Runner.
type RunnerFunc func(ctx context.Context, c Cell, d Data) (map[string]any, error)

// Run calls f.
func (f RunnerFunc) Run(ctx context.Context, c Cell, d Data) (map[string]any, error) {
	return f(ctx, c, d)
}

// Options control a Run.
type Options struct {
	// Shard and Shards select the cells with index%Shards == Shard.
	// Shards 0 or 1 runs every cell.
	Shard, Shards int
	// Runners maps a learner family ("hnet", "mlp", "kernel") to its
	// runner. Nil uses DefaultRunners().
	Runners map[string]Runner
	// Progress receives a progress bar; nil for none.
	Progress io.Writer
	// Host is recorded in each result (for merged shards).
	Host string
}

// Summary counts what a Run did.
type Summary struct {
	Total, Skipped, Done, Failed int
}

// Run computes every cell of the plan (or of its shard) that dir does not
// hold a result for yet, appending to dir/results.jsonl. A failing cell is
// recorded and reported in the summary; it does not stop the run. A
// cancelled context stops after the cell in progress.
func Run(ctx context.Context, p Plan, dir string, opt Options) (Summary, error) {
	if err := p.Validate(); err != nil {
		return Summary{}, err
	}
	if opt.Shards < 0 || opt.Shard < 0 || (opt.Shards > 0 && opt.Shard >= opt.Shards) {
		return Summary{}, fmt.Errorf("shard %d/%d: want 0 <= i < N", opt.Shard, opt.Shards)
	}
	runners := opt.Runners
	if runners == nil {
		runners = DefaultRunners()
	}
	for _, c := range p.Cells {
		if _, ok := runners[c.Family()]; !ok {
			return Summary{}, fmt.Errorf("cell %s: no runner for learner family %q", c, c.Family())
		}
	}
	if err := writePlan(dir, p); err != nil {
		return Summary{}, err
	}
	st, err := openStore(dir)
	if err != nil {
		return Summary{}, fmt.Errorf("open results in %s: %w", dir, err)
	}
	defer st.close()

	var todo []Cell
	sum := Summary{}
	for i, c := range p.Cells {
		if opt.Shards > 1 && i%opt.Shards != opt.Shard {
			continue
		}
		sum.Total++
		if st.finished(c.Key()) {
			sum.Skipped++
			continue
		}
		todo = append(todo, c)
	}
	var bar *progressbar.ProgressBar
	if opt.Progress != nil && len(todo) > 0 {
		bar = progressbar.NewOptions(len(todo), progressbar.OptionSetWriter(opt.Progress),
			progressbar.OptionSetDescription("compare"), progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true), progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish())
	}
	data := newDataCache(filepath.Join(dir, "data"))
	for _, c := range todo {
		if ctx.Err() != nil {
			break
		}
		if bar != nil {
			bar.Describe(c.Learner + " n=" + fmt.Sprint(c.N) + " seed=" + fmt.Sprint(c.Seed))
		}
		r := runCell(ctx, c, runners[c.Family()], data, dir)
		r.Host = opt.Host
		if err := st.add(r); err != nil {
			return sum, fmt.Errorf("record result of %s: %w", c, err)
		}
		if r.OK() {
			sum.Done++
		} else {
			sum.Failed++
			slog.Warn("cell failed", "cell", c.String(), "err", r.Error)
		}
		if bar != nil {
			bar.Add(1)
		}
	}
	if bar != nil {
		bar.Finish()
	}
	return sum, ctx.Err()
}

// runCell runs one cell, turning errors and panics into a failed Result.
func runCell(ctx context.Context, c Cell, r Runner, data *dataCache, dir string) (res Result) {
	start := time.Now()
	res = Result{Key: c.Key(), Cell: c, Version: version.Full()}
	defer func() {
		if p := recover(); p != nil {
			res.Error = fmt.Sprintf("panic: %v\n%s", p, debug.Stack())
		}
		res.Seconds = time.Since(start).Seconds()
	}()
	d, err := data.get(c)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	d.Dir = filepath.Join(dir, "cells", c.Key())
	d.Root = dir
	if err := os.MkdirAll(d.Dir, 0o755); err != nil {
		res.Error = err.Error()
		return res
	}
	m, err := r.Run(ctx, c, d)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Metrics = m
	return res
}

// testSeed is the data seed of every test set: the test set depends on the
// concept only, so that all cells of one concept share it.
const testSeed = 1 << 40

// dataCache samples each (concept, n, seed) dataset once per run.
type dataCache struct {
	mu       sync.Mutex
	dir      string
	concepts map[string]*concept.Concept
	sets     map[string]*concept.Dataset
}

func newDataCache(dir string) *dataCache {
	return &dataCache{dir: dir, concepts: map[string]*concept.Concept{}, sets: map[string]*concept.Dataset{}}
}

func (dc *dataCache) get(c Cell) (Data, error) {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if c.Dataset != "" {
		return dc.real(c)
	}
	ck := Cell{Concept: c.Concept}.Key()
	con, ok := dc.concepts[ck]
	if !ok {
		var err error
		con, err = concept.New(c.Concept)
		if err != nil {
			return Data{}, fmt.Errorf("concept: %w", err)
		}
		dc.concepts = map[string]*concept.Concept{ck: con} // keep one concept's data at a time
		dc.sets = map[string]*concept.Dataset{}
	}
	sample := func(n int, seed uint64) (*concept.Dataset, error) {
		k := fmt.Sprintf("%d/%d", n, seed)
		if ds, ok := dc.sets[k]; ok {
			return ds, nil
		}
		ds, err := con.Sample(n, seed)
		if err != nil {
			return nil, err
		}
		dc.sets[k] = ds
		return ds, nil
	}
	nTest := c.NTest
	if nTest <= 0 {
		return Data{}, errors.New("n_test must be positive")
	}
	test, err := sample(nTest, testSeed)
	if err != nil {
		return Data{}, err
	}
	train, err := sample(c.N, c.Seed)
	if err != nil {
		return Data{}, err
	}
	return Data{Concept: con, Train: train, Test: test}, nil
}

// FashionMNIST is the name of the Fashion-MNIST dataset in cells.
const FashionMNIST = "fashion-mnist"

// real returns a cell's share of a real dataset: N training points drawn
// without replacement by the cell's seed, and the first NTest test points.
func (dc *dataCache) real(c Cell) (Data, error) {
	if c.Dataset == LagField {
		return lagfieldData(c)
	}
	if spec, ok, err := sparseCodingOf(c.Dataset); ok {
		if err != nil {
			return Data{}, err
		}
		return dc.sparseCoding(c, spec)
	}
	if c.Dataset != FashionMNIST {
		return Data{}, fmt.Errorf("unknown dataset %q", c.Dataset)
	}
	full, ok := dc.sets["fmnist/train"]
	if !ok {
		tr, te, err := concept.LoadFashionMNIST("")
		if err != nil {
			return Data{}, err
		}
		dc.concepts = map[string]*concept.Concept{}
		dc.sets = map[string]*concept.Dataset{"fmnist/train": tr, "fmnist/test": te}
		full = tr
	}
	test := dc.sets["fmnist/test"]
	if c.N > full.N || c.NTest > test.N {
		return Data{}, fmt.Errorf("%s has %d training and %d test points; the cell asks for %d and %d", c.Dataset, full.N, test.N, c.N, c.NTest)
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x6d6e697374))
	idx := rng.Perm(full.N)[:c.N]
	return Data{Train: subset(full, idx), Test: subset(test, seq(c.NTest))}, nil
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// subset copies the rows idx of a dataset.
func subset(ds *concept.Dataset, idx []int) *concept.Dataset {
	out := &concept.Dataset{Task: ds.Task, N: len(idx), D: ds.D, Meta: map[string]any{"source": ds.Meta["source"], "rows": len(idx)}}
	out.X = make([]float64, 0, len(idx)*ds.D)
	for _, i := range idx {
		out.X = append(out.X, ds.X[i*ds.D:(i+1)*ds.D]...)
		if ds.Y != nil {
			out.Y = append(out.Y, ds.Y[i])
		}
		if ds.Labels != nil {
			out.Labels = append(out.Labels, ds.Labels[i])
		}
	}
	return out
}
