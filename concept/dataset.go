package concept

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/version"
)

// DatasetFormat identifies the meta member of a dataset .npz.
const (
	DatasetFormat  = "hierlearn-dataset"
	DatasetVersion = 1
)

// ErrDataset is wrapped by every error about a malformed dataset file.
var ErrDataset = errors.New("bad dataset file")

// Dataset is a sample of a concept or a real dataset, in memory: the one
// dataset type of the toolkit, which train, train/kernel,
// importer/analysis and compare all take.
//
// On disk (Save) it is an uncompressed .npz with the members
//
//	x      float64 (N, D)
//	y      float64 (N) for regression and classification (±1 labels),
//	       int64 (N) class labels for multiclass
//	f      float64 (N), classification only: the standardised concept
//	       output the labels were thresholded from
//	s2..sL float64 (N, k_l): the hidden features S_l of an hq concept
//	       (h1..hD for a relu-teacher)
//	meta   uint8: a UTF-8 JSON object with format, task, version, source,
//	       concept spec and seeds (bytes(z["meta"]).decode() in numpy)
//
// X holds N examples of D values, row-major. Shape is the shape of one
// example when it is not a vector (images: channels, height, width; its
// product is D) and nil otherwise. Y holds one target per example, or,
// when YShape is set (LoadExamples: a model's output targets), the
// product of YShape per example.
type Dataset struct {
	Path         string // the file it was loaded from, for messages ("" when built in memory)
	Task         string
	N, D         int
	Shape        []int
	X            []float64
	Y            []float64
	YShape       []int
	F            []float64
	Labels       []int64
	Hidden       [][]float64
	HiddenWidths []int
	HiddenNames  []string // npz member names of Hidden; nil means s2, s3, ...
	Meta         map[string]any
}

// Sample draws n inputs x ~ N(0, I_d) from the sample stream of seed
// (rows in order, d normals each) and evaluates the concept on them. For a
// classification concept Y is sign(f - Median()) (+1 on ties) with each
// label flipped independently with probability LabelNoise (the flips come
// from the noise stream of seed: one uniform variate per row, u < noise
// flips), and F keeps f. Hidden holds the hidden features.
//
// The inputs depend only on (n, seed, d), not on the concept, so two
// concepts sampled with the same seed see the same x.
func (c *Concept) Sample(n int, seed uint64) (*Dataset, error) {
	if n < 1 || n > npyMaxRows(c.spec.D) {
		return nil, fmt.Errorf("sample: n = %d: want 1 <= n <= %d", n, npyMaxRows(c.spec.D))
	}
	d := c.spec.D
	x := make([]float64, n*d)
	fillNormal(newRand(seed, streamSample), x)
	f, hidden := c.Eval(x, n)
	ds := &Dataset{Task: c.spec.Task, N: n, D: d, X: x, Hidden: hidden,
		HiddenWidths: c.Widths(), HiddenNames: c.HiddenNames()}
	flips := 0
	if c.spec.Task == TaskClassification {
		ds.F = f
		ds.Y = make([]float64, n)
		r := newRand(seed, streamNoise)
		for i, v := range f {
			lab := 1.0
			if v < c.median {
				lab = -1
			}
			if u := r.Float64(); u < c.spec.LabelNoise {
				lab = -lab
				flips++
			}
			ds.Y[i] = lab
		}
	} else {
		ds.Y = f
	}
	ds.Meta = map[string]any{
		"format":           DatasetFormat,
		"format_version":   DatasetVersion,
		"version":          version.Full(),
		"source":           "concept",
		"task":             ds.Task,
		"n":                n,
		"seed":             seed,
		"concept_spec":     c.spec,
		"concept_summary":  c.Summary(),
		"hidden":           ds.HiddenNames,
		"sample_stream":    "x ~ N(0, I) from rand.NewPCG(seed, 0x73616d706c657300)",
		"noise_stream":     "label flips from rand.NewPCG(seed, 0x6e6f697365000000)",
		"normalised_with":  "concept constants (never re-estimated on the dataset)",
		"concept_checksum": c.checksumOrEmpty(),
	}
	if c.spec.Task == TaskClassification {
		ds.Meta["label_flips"] = flips
		ds.Meta["median"] = c.median
	}
	return ds, nil
}

// npyMaxRows bounds n so that x stays under the .npy element limit.
func npyMaxRows(d int) int { return (1 << 30) / d }

func (c *Concept) checksumOrEmpty() string {
	b, err := c.encode()
	if err != nil {
		return ""
	}
	var body struct {
		Checksum string `json:"checksum"`
	}
	if json.Unmarshal(b, &body) != nil {
		return ""
	}
	return body.Checksum
}

// hiddenNames returns the member names for the hidden features.
func (ds *Dataset) hiddenNames() []string {
	if ds.HiddenNames != nil {
		return ds.HiddenNames
	}
	names := make([]string, len(ds.Hidden))
	for i := range names {
		names[i] = "s" + strconv.Itoa(i+2)
	}
	return names
}

// check validates the in-memory shapes and values.
func (ds *Dataset) check() error {
	if ds.N < 0 || ds.D < 1 || len(ds.X) != ds.N*ds.D {
		return fmt.Errorf("x has %d values, want N*D = %d*%d", len(ds.X), ds.N, ds.D)
	}
	if err := finite("x", ds.X); err != nil {
		return err
	}
	switch ds.Task {
	case TaskMulticlass:
		if len(ds.Labels) != ds.N {
			return fmt.Errorf("%d labels for %d rows", len(ds.Labels), ds.N)
		}
	case TaskRegression, TaskClassification:
		if len(ds.Y) != ds.N {
			return fmt.Errorf("y has %d values for %d rows", len(ds.Y), ds.N)
		}
		if err := finite("y", ds.Y); err != nil {
			return err
		}
		if ds.Task == TaskClassification {
			for i, v := range ds.Y {
				if v != 1 && v != -1 {
					return fmt.Errorf("classification label y[%d] = %v, want +1 or -1", i, v)
				}
			}
		}
	default:
		return fmt.Errorf("unknown task %q", ds.Task)
	}
	if ds.F != nil {
		if len(ds.F) != ds.N {
			return fmt.Errorf("f has %d values for %d rows", len(ds.F), ds.N)
		}
		if err := finite("f", ds.F); err != nil {
			return err
		}
	}
	if len(ds.HiddenWidths) != len(ds.Hidden) || len(ds.hiddenNames()) != len(ds.Hidden) {
		return fmt.Errorf("%d hidden arrays, %d widths, %d names", len(ds.Hidden), len(ds.HiddenWidths), len(ds.hiddenNames()))
	}
	for t, h := range ds.Hidden {
		name := ds.hiddenNames()[t]
		if !reHidden.MatchString(name) {
			return fmt.Errorf("hidden member name %q: want s<l> or h<l>", name)
		}
		if k := ds.HiddenWidths[t]; k < 1 || len(h) != ds.N*k {
			return fmt.Errorf("%s has %d values, want %d rows x %d", name, len(h), ds.N, k)
		}
		if err := finite(name, h); err != nil {
			return err
		}
	}
	return nil
}

// Save writes the dataset as .npz to path atomically; the same dataset
// gives the same bytes.
func (ds *Dataset) Save(path string) error {
	if err := ds.check(); err != nil {
		return fmt.Errorf("save dataset %s: %w", path, err)
	}
	meta := map[string]any{}
	for k, v := range ds.Meta {
		meta[k] = v
	}
	meta["format"] = DatasetFormat
	meta["format_version"] = DatasetVersion
	meta["task"] = ds.Task
	mb, err := json.Marshal(meta) // map keys are sorted: deterministic
	if err != nil {
		return fmt.Errorf("save dataset %s: meta: %w", path, err)
	}
	z := npy.NewArchive()
	z.Add("x", npy.NewFloat64(ds.X, ds.N, ds.D))
	if ds.Task == TaskMulticlass {
		z.Add("y", npy.NewInt64(ds.Labels, ds.N))
	} else {
		z.Add("y", npy.NewFloat64(ds.Y, ds.N))
	}
	if ds.F != nil {
		z.Add("f", npy.NewFloat64(ds.F, ds.N))
	}
	for t, name := range ds.hiddenNames() {
		z.Add(name, npy.NewFloat64(ds.Hidden[t], ds.N, ds.HiddenWidths[t]))
	}
	z.Add("meta", npy.NewBytes(mb))
	return npy.WriteNPZ(path, z)
}

var reHidden = regexp.MustCompile(`^[sh]([1-9][0-9]?)$`)

// LoadDataset reads a dataset .npz (as written by Save, or by numpy with
// the same member names). Only x and y are required; without meta the
// task is multiclass for integer y and regression otherwise.
func LoadDataset(path string) (*Dataset, error) {
	z, err := npy.ReadNPZ(path)
	if err != nil {
		return nil, fmt.Errorf("load dataset: %w", err)
	}
	ds, err := datasetFromArchive(z)
	if err != nil {
		return nil, fmt.Errorf("load dataset %s: %w", path, err)
	}
	ds.Path = path
	return ds, nil
}

// LoadExamples reads the inputs of a model, and optionally its targets,
// from an .npz: x (float, examples on axis 0, any shape per example: Shape
// keeps it) and y, either int64 class labels (N; task multiclass) or float
// targets of any shape per example (task regression, YShape keeps it).
// Without y the task is empty: inputs only.
func LoadExamples(path string) (*Dataset, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("load examples %s: %w: %s", path, ErrDataset, fmt.Sprintf(format, args...))
	}
	z, err := npy.ReadNPZ(path)
	if err != nil {
		return nil, fmt.Errorf("load examples: %w", err)
	}
	xa, err := z.Get("x")
	if err != nil {
		return nil, bad("%v", err)
	}
	if xa.DType != npy.Float32 && xa.DType != npy.Float64 || len(xa.Shape) < 1 || xa.Shape[0] == 0 {
		return nil, bad("x must be a float array with examples on axis 0, is %v%v", xa.DType, xa.Shape)
	}
	n := xa.Shape[0]
	ds := &Dataset{Path: path, N: n, D: xa.Len() / n, X: xa.Float64s()}
	if len(xa.Shape) > 2 {
		ds.Shape = slices.Clone(xa.Shape[1:])
	}
	ya, err := z.Get("y")
	if err != nil {
		return ds, nil // inputs only
	}
	if ya.Len() == 0 || len(ya.Shape) == 0 || ya.Shape[0] != n {
		return nil, bad("y has shape %v for %d examples", ya.Shape, n)
	}
	if ya.DType == npy.Int64 {
		if len(ya.Shape) != 1 {
			return nil, bad("integer labels y must be 1-D, are %v", ya.Shape)
		}
		ds.Task, ds.Labels = TaskMulticlass, ya.I64
		return ds, nil
	}
	ds.Task, ds.Y, ds.YShape = TaskRegression, ya.Float64s(), slices.Clone(ya.Shape[1:])
	if len(ds.YShape) == 0 {
		ds.YShape = nil
	}
	return ds, nil
}

// ExampleShape is the shape of one example of x: Shape, or (D).
func (ds *Dataset) ExampleShape() []int {
	if ds.Shape != nil {
		return ds.Shape
	}
	return []int{ds.D}
}

// TargetsPerExample is the number of values of Y per example.
func (ds *Dataset) TargetsPerExample() int {
	k := 1
	for _, v := range ds.YShape {
		k *= v
	}
	return k
}

// DecodeDataset parses the bytes of a dataset .npz.
func DecodeDataset(b []byte) (*Dataset, error) {
	z, err := npy.DecodeArchive(b)
	if err != nil {
		return nil, err
	}
	return datasetFromArchive(z)
}

func datasetFromArchive(z *npy.Archive) (*Dataset, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrDataset, fmt.Sprintf(format, args...))
	}
	xa, err := z.Get("x")
	if err != nil {
		return nil, bad("%v", err)
	}
	if len(xa.Shape) != 2 || xa.Shape[1] < 1 {
		return nil, bad("x has shape %v, want (n, d) with d >= 1", xa.Shape)
	}
	if xa.DType == npy.Uint8 {
		return nil, bad("x is uint8, want float")
	}
	ds := &Dataset{N: xa.Shape[0], D: xa.Shape[1], X: xa.Float64s()}
	ya, err := z.Get("y")
	if err != nil {
		return nil, bad("%v", err)
	}
	if len(ya.Shape) != 1 || ya.Shape[0] != ds.N {
		return nil, bad("y has shape %v, want (%d,) to match x %v", ya.Shape, ds.N, xa.Shape)
	}
	if ma, ok := z.Arrays["meta"]; ok {
		mb, err := ma.Bytes()
		if err != nil {
			return nil, bad("meta: %v", err)
		}
		if err := json.Unmarshal(mb, &ds.Meta); err != nil || ds.Meta == nil {
			return nil, bad("meta is not a JSON object: %v", err)
		}
		task, _ := ds.Meta["task"].(string)
		ds.Task = task
	}
	if ds.Task == "" {
		ds.Task = TaskRegression
		if ya.DType == npy.Int64 {
			ds.Task = TaskMulticlass
		}
	}
	switch {
	case ds.Task == TaskMulticlass:
		if ya.DType != npy.Int64 {
			return nil, bad("multiclass y is %v, want int64 labels", ya.DType)
		}
		ds.Labels = ya.I64
	case ya.DType == npy.Uint8:
		return nil, bad("y is uint8, want float")
	default:
		ds.Y = ya.Float64s()
	}
	if fa, ok := z.Arrays["f"]; ok {
		if len(fa.Shape) != 1 || fa.Shape[0] != ds.N || fa.DType == npy.Uint8 {
			return nil, bad("f has shape %v (%v), want (%d,) float", fa.Shape, fa.DType, ds.N)
		}
		ds.F = fa.Float64s()
	}
	type hid struct {
		name string
		l    int
	}
	var hs []hid
	for _, name := range z.Names {
		if m := reHidden.FindStringSubmatch(name); m != nil {
			l, _ := strconv.Atoi(m[1])
			hs = append(hs, hid{name, l})
		}
	}
	slices.SortFunc(hs, func(a, b hid) int {
		if a.name[0] != b.name[0] {
			return int(a.name[0]) - int(b.name[0])
		}
		return a.l - b.l
	})
	for _, h := range hs {
		a := z.Arrays[h.name]
		if len(a.Shape) != 2 || a.Shape[0] != ds.N || a.Shape[1] < 1 || a.DType == npy.Uint8 {
			return nil, bad("%s has shape %v (%v), want (%d, k) float to match x", h.name, a.Shape, a.DType, ds.N)
		}
		ds.Hidden = append(ds.Hidden, a.Float64s())
		ds.HiddenWidths = append(ds.HiddenWidths, a.Shape[1])
		ds.HiddenNames = append(ds.HiddenNames, h.name)
	}
	if err := ds.check(); err != nil {
		return nil, bad("%v", err)
	}
	return ds, nil
}
