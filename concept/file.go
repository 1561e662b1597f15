package concept

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/hierlearn/hierlearn/internal/atomicfile"
	hlversion "github.com/hierlearn/hierlearn/internal/version"
)

// File format identifiers of concept.json.
const (
	FileFormat  = "hierlearn-concept"
	FileVersion = 1
)

// maxFileSize bounds the concept.json files Load reads (1 GiB).
const maxFileSize = 1 << 30

// ErrFile is wrapped by every error about a malformed, inconsistent or
// tampered concept file.
var ErrFile = errors.New("bad concept file")

// fileBody is the JSON layout of concept.json (see doc.go). Field order is
// the order of the file.
type fileBody struct {
	fileHeader
	Spec          Spec        `json:"spec"`
	Degree        int         `json:"degree"`
	NormSamples   int         `json:"norm_samples"`
	OutMean       float64     `json:"out_mean"`
	OutStd        float64     `json:"out_std"`
	Median        float64     `json:"median"`
	VarianceShare []float64   `json:"variance_share"`
	OutWeights    []float64   `json:"out_weights"`
	Layers        []fileLayer `json:"layers"`
	Checksum      string      `json:"checksum"`
}

type fileLayer struct {
	Layer  int         `json:"layer"`
	Inputs []int       `json:"inputs"`
	Rows   int         `json:"rows"`
	Cols   []int       `json:"cols"`
	W      [][]float64 `json:"w"`
	Scale  []float64   `json:"scale"`
	Mu     []float64   `json:"mu"`
	Sd     []float64   `json:"sd"`
}

// encode returns the file body; the checksum is the SHA-256 of the same
// JSON with an empty checksum field.
func (c *Concept) encode() ([]byte, error) {
	b := fileBody{
		fileHeader: newFileHeader(FileFormat, FileVersion),
		Spec:       c.spec, Degree: c.Degree(), NormSamples: c.nNorm,
		OutMean: c.outMean, OutStd: c.outStd, Median: c.median,
		VarianceShare: c.share, OutWeights: c.outW,
	}
	for _, ly := range c.layers {
		b.Layers = append(b.Layers, fileLayer{Layer: ly.L, Inputs: ly.Inputs, Rows: ly.Rows, Cols: ly.Cols,
			W: ly.W, Scale: ly.Scale, Mu: ly.Mu, Sd: ly.Sd})
	}
	sum, err := b.checksum()
	if err != nil {
		return nil, err
	}
	b.Checksum = sum
	out, err := json.MarshalIndent(b, "", " ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

func (b fileBody) checksum() (string, error) {
	b.Checksum = ""
	return jsonChecksum(b)
}

// fileHeader opens every JSON file this package writes.
type fileHeader struct {
	Format    string `json:"format"`
	Version   int    `json:"version"`
	Generator string `json:"generator"`
}

func newFileHeader(format string, version int) fileHeader {
	return fileHeader{Format: format, Version: version, Generator: "hierlearn " + hlversion.Full()}
}

// check reports a format or version other than want.
func (h fileHeader) check(wantFormat string, wantVersion int) error {
	if h.Format != wantFormat {
		return fmt.Errorf("format %q, want %q", h.Format, wantFormat)
	}
	if h.Version != wantVersion {
		return fmt.Errorf("format version %d, this build reads version %d", h.Version, wantVersion)
	}
	return nil
}

// decodeStrict decodes data into v: no unknown fields, nothing after the
// one JSON object; what names the content in errors.
func decodeStrict(data []byte, v any, what string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("not valid %s (truncated or corrupt?): %v", what, err)
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// jsonChecksum is "sha256:" and the hex SHA-256 of v's compact JSON.
func jsonChecksum(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(h[:]), nil
}

// MarshalJSON encodes the concept in the concept.json format.
func (c *Concept) MarshalJSON() ([]byte, error) { return c.encode() }

// Save writes the concept to path as JSON, atomically. The same concept
// always gives the same bytes (for the same build: the generator field
// holds the version).
func (c *Concept) Save(path string) error {
	b, err := c.encode()
	if err != nil {
		return fmt.Errorf("encode concept for %s: %w", path, err)
	}
	return atomicfile.WriteBytes(path, b)
}

// Load reads a concept.json file written by Save, validating it.
func Load(path string) (*Concept, error) {
	return loadFile(path, "concept", ErrFile, Decode)
}

// loadFile reads at most maxFileSize bytes of path and decodes them,
// wrapping every error with "load WHAT PATH" (tooBig marks a file over
// the limit).
func loadFile[T any](path, what string, tooBig error, decode func([]byte) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, fmt.Errorf("load %s: %w", what, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return zero, fmt.Errorf("load %s %s: %w", what, path, err)
	}
	if len(data) > maxFileSize {
		return zero, fmt.Errorf("load %s %s: %w: larger than %d bytes", what, path, tooBig, maxFileSize)
	}
	v, err := decode(data)
	if err != nil {
		return zero, fmt.Errorf("load %s %s: %w", what, path, err)
	}
	return v, nil
}

// Decode parses and validates the bytes of a concept.json file.
func Decode(data []byte) (*Concept, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrFile, fmt.Sprintf(format, args...))
	}
	var b fileBody
	if err := decodeStrict(data, &b, "concept JSON"); err != nil {
		return nil, bad("%v", err)
	}
	if err := b.check(FileFormat, FileVersion); err != nil {
		return nil, bad("%v", err)
	}
	if err := b.Spec.Validate(); err != nil {
		return nil, bad("spec: %v", err)
	}
	s := b.Spec.Complete()
	if !specEqual(s, b.Spec) {
		return nil, bad("spec is not in completed form (defaults must be written out)")
	}
	sum, err := b.checksum()
	if err != nil {
		return nil, bad("%v", err)
	}
	if b.Checksum != sum {
		return nil, bad("checksum mismatch (file says %q, content gives %q): the file was edited or corrupted", b.Checksum, sum)
	}
	if b.Degree != s.Degree() {
		return nil, bad("degree %d does not match the spec (%d)", b.Degree, s.Degree())
	}
	if b.NormSamples < 2 {
		return nil, bad("norm_samples = %d", b.NormSamples)
	}
	for name, v := range map[string]float64{"out_mean": b.OutMean, "out_std": b.OutStd, "median": b.Median} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, bad("%s = %v is not finite", name, v)
		}
	}
	if !(b.OutStd > 0) {
		return nil, bad("out_std = %v, want > 0", b.OutStd)
	}
	c := &Concept{spec: s, outMean: b.OutMean, outStd: b.OutStd, median: b.Median, nNorm: b.NormSamples}
	nLayers := len(s.Widths)
	if len(b.Layers) != nLayers {
		return nil, bad("%d layers, the spec wants %d", len(b.Layers), nLayers)
	}
	hq := s.Family == FamilyHQ
	if hq {
		if len(b.VarianceShare) != nLayers {
			return nil, bad("%d variance shares, want %d", len(b.VarianceShare), nLayers)
		}
		if err := finite("variance_share", b.VarianceShare); err != nil {
			return nil, bad("%v", err)
		}
		if b.OutWeights != nil {
			return nil, bad("out_weights given for family hq")
		}
		c.share = b.VarianceShare
	} else {
		if b.VarianceShare != nil {
			return nil, bad("variance_share given for family %s", s.Family)
		}
		if len(b.OutWeights) != s.Widths[nLayers-1] {
			return nil, bad("%d out_weights, want %d", len(b.OutWeights), s.Widths[nLayers-1])
		}
		if err := finite("out_weights", b.OutWeights); err != nil {
			return nil, bad("%v", err)
		}
		c.outW = b.OutWeights
	}
	for t, fl := range b.Layers {
		l := t + s.firstLayer()
		ly, err := checkLayer(s, l, fl)
		if err != nil {
			return nil, bad("layer %d: %v", l, err)
		}
		c.layers = append(c.layers, ly)
	}
	return c, nil
}

// checkLayer validates one layer of a file against the spec.
func checkLayer(s Spec, l int, fl fileLayer) (Layer, error) {
	if fl.Layer != l {
		return Layer{}, fmt.Errorf("index %d, want %d", fl.Layer, l)
	}
	k := s.Widths[l-s.firstLayer()]
	if fl.Rows != k {
		return Layer{}, fmt.Errorf("%d rows, width is %d", fl.Rows, k)
	}
	var inputs, cols []int
	if s.Family == FamilyHQ {
		inputs = Inputs(s.Skip, l)
		for _, j := range inputs {
			cols = append(cols, s.inputDim(j))
		}
	} else {
		inputs = []int{l - 1}
		cols = []int{s.D}
		if l > 1 {
			cols = []int{s.Widths[l-2]}
		}
	}
	if !slices.Equal(fl.Inputs, inputs) {
		return Layer{}, fmt.Errorf("inputs %v, skip mode %q wants %v", fl.Inputs, s.Skip, inputs)
	}
	if !slices.Equal(fl.Cols, cols) {
		return Layer{}, fmt.Errorf("block columns %v, want %v", fl.Cols, cols)
	}
	if len(fl.W) != len(inputs) {
		return Layer{}, fmt.Errorf("%d weight blocks, want %d", len(fl.W), len(inputs))
	}
	for b, w := range fl.W {
		if len(w) != k*cols[b] {
			return Layer{}, fmt.Errorf("weight block %d (input %d) has %d values, want %d x %d", b, inputs[b], len(w), k, cols[b])
		}
		if err := finite(fmt.Sprintf("weight block %d", b), w); err != nil {
			return Layer{}, err
		}
	}
	ly := Layer{L: l, Inputs: inputs, Rows: k, Cols: cols, W: fl.W}
	if s.Family == FamilyReLU {
		if fl.Scale != nil || fl.Mu != nil || fl.Sd != nil {
			return Layer{}, fmt.Errorf("scale/mu/sd given for a relu-teacher layer")
		}
		return ly, nil
	}
	for _, v := range []struct {
		name     string
		x        []float64
		positive bool
	}{{"scale", fl.Scale, true}, {"mu", fl.Mu, false}, {"sd", fl.Sd, true}} {
		if len(v.x) != k {
			return Layer{}, fmt.Errorf("%s has %d values, want %d", v.name, len(v.x), k)
		}
		if err := finite(v.name, v.x); err != nil {
			return Layer{}, err
		}
		for i, x := range v.x {
			if v.positive && !(x > 0) {
				return Layer{}, fmt.Errorf("%s[%d] = %v, want > 0", v.name, i, x)
			}
		}
	}
	ly.Scale, ly.Mu, ly.Sd = fl.Scale, fl.Mu, fl.Sd
	return ly, nil
}

func finite(name string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s[%d] = %v is not finite", name, i, x)
		}
	}
	return nil
}

func specEqual(a, b Spec) bool {
	return a.Family == b.Family && a.D == b.D && a.Layers == b.Layers && slices.Equal(a.Widths, b.Widths) &&
		a.Skip == b.Skip && slices.Equal(a.Alpha, b.Alpha) && a.Gain == b.Gain && a.Task == b.Task &&
		a.LabelNoise == b.LabelNoise && a.Seed == b.Seed
}
