package compare

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// ResultsFile is the name of the results file in an output directory.
const ResultsFile = "results.jsonl"

// Result is one finished cell: the cell, the learner's metrics (the fields
// of train's and kernel's metrics.json) and bookkeeping. Metrics holds the
// raw JSON object so that new metrics need no change here.
type Result struct {
	Key     string         `json:"key"`
	Cell    Cell           `json:"cell"`
	Metrics map[string]any `json:"metrics,omitempty"`
	// Error is set when the cell failed.
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds"`
	Version string  `json:"version"`
	Host    string  `json:"host,omitempty"`
}

// OK reports whether the cell finished without error.
func (r Result) OK() bool { return r.Error == "" }

// Number returns a numeric metric, or false when it is absent.
func (r Result) Number(name string) (float64, bool) {
	v, ok := r.Metrics[name]
	if !ok {
		return 0, false
	}
	f, ok := v.(float64)
	return f, ok
}

// store appends results to DIR/results.jsonl, one line per result, synced
// after every line so that a crash loses at most the cell in progress.
type store struct {
	mu   sync.Mutex
	f    *os.File
	done map[string]Result
}

func openStore(dir string) (*store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, ResultsFile)
	prev, err := ReadResults(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	s := &store{f: f, done: map[string]Result{}}
	for _, r := range prev {
		if r.OK() {
			s.done[r.Key] = r
		}
	}
	return s, nil
}

func (s *store) finished(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.done[key]
	return ok
}

func (s *store) add(r Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode result of %s: %w", r.Cell, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.f.Write(append(b, '\n')); err != nil {
		return err
	}
	if r.OK() {
		s.done[r.Key] = r
	}
	return s.f.Sync()
}

func (s *store) close() error { return s.f.Close() }

// ReadResults reads a results.jsonl file. A torn last line (a crash while
// writing) is ignored; any other malformed line is an error naming it.
func ReadResults(path string) ([]Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseResults(b, path)
}

// parseResults decodes the lines of a results file; path names it in errors.
func parseResults(b []byte, path string) ([]Result, error) {
	var out []Result
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	line := 0
	for sc.Scan() {
		line++
		t := bytes.TrimSpace(sc.Bytes())
		if len(t) == 0 {
			continue
		}
		var r Result
		if err := json.Unmarshal(t, &r); err != nil {
			if line == bytes.Count(b, []byte("\n"))+1 && !bytes.HasSuffix(b, []byte("\n")) {
				break // torn final line
			}
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// Latest keeps, for each cell key, the last successful result, or the last
// failure when the cell never succeeded; sorted by key order of first
// appearance for stable reports.
func Latest(rs []Result) []Result {
	idx := map[string]int{}
	var out []Result
	for _, r := range rs {
		i, seen := idx[r.Key]
		if !seen {
			idx[r.Key] = len(out)
			out = append(out, r)
			continue
		}
		if r.OK() || !out[i].OK() {
			out[i] = r
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return lessCell(out[i].Cell, out[j].Cell) })
	return out
}

func lessCell(a, b Cell) bool {
	if a.Experiment != b.Experiment {
		return a.Experiment < b.Experiment
	}
	if a.Concept.Layers != b.Concept.Layers {
		return a.Concept.Layers < b.Concept.Layers
	}
	if a.Concept.D != b.Concept.D {
		return a.Concept.D < b.Concept.D
	}
	if a.Learner != b.Learner {
		return a.Learner < b.Learner
	}
	if a.N != b.N {
		return a.N < b.N
	}
	return a.Seed < b.Seed
}
