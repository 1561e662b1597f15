package concept

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/hierlearn/hierlearn/internal/atomicfile"
)

// File format identifiers of a sparse-coding model file (dictionary.json).
const (
	SparseCodingFormat  = "hierlearn-sparse-coding"
	SparseCodingVersion = 1
)

// orthoTol bounds max |M^T M - I| in a loaded dictionary: Gram-Schmidt
// twice gives about 1e-15 at d = 400.
const orthoTol = 1e-9

type sparseCodingFile struct {
	fileHeader
	Spec     SparseCodingSpec `json:"spec"`
	M        [][]float64      `json:"m"`
	WStar    []float64        `json:"w_star"`
	Checksum string           `json:"checksum"`
}

func (b sparseCodingFile) checksum() (string, error) {
	b.Checksum = ""
	return jsonChecksum(b)
}

// Save writes the model as indented JSON, atomically: format, version,
// generator, the completed spec, m (d rows of d values, row-major), w_star
// and a "sha256:..." checksum of the compact JSON with an empty checksum
// field, as concept.json.
func (sc *SparseCoding) Save(path string) error {
	d := sc.Spec.D
	b := sparseCodingFile{fileHeader: newFileHeader(SparseCodingFormat, SparseCodingVersion),
		Spec: sc.Spec, WStar: sc.WStar}
	for r := range d {
		b.M = append(b.M, sc.M[r*d:(r+1)*d])
	}
	sum, err := b.checksum()
	if err != nil {
		return fmt.Errorf("save sparse-coding model %s: %w", path, err)
	}
	b.Checksum = sum
	out, err := json.MarshalIndent(b, "", " ")
	if err != nil {
		return fmt.Errorf("save sparse-coding model %s: %w", path, err)
	}
	return atomicfile.WriteBytes(path, append(out, '\n'))
}

// LoadSparseCoding reads a file written by SparseCoding.Save.
func LoadSparseCoding(path string) (*SparseCoding, error) {
	return loadFile(path, "sparse-coding model", ErrSparseCoding, DecodeSparseCoding)
}

// DecodeSparseCoding parses and validates the bytes of a sparse-coding
// model file: format and version, a valid completed spec, the checksum,
// shapes, finite values, an orthonormal dictionary (max |M^T M - I| <=
// 1e-9) and w* in [1/2, 1].
func DecodeSparseCoding(data []byte) (*SparseCoding, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrSparseCoding, fmt.Sprintf(format, args...))
	}
	var b sparseCodingFile
	if err := decodeStrict(data, &b, "JSON"); err != nil {
		return nil, bad("%v", err)
	}
	if err := b.check(SparseCodingFormat, SparseCodingVersion); err != nil {
		return nil, bad("%v", err)
	}
	if err := b.Spec.Validate(); err != nil {
		return nil, err
	}
	if b.Spec.Complete() != b.Spec {
		return nil, bad("spec is not in completed form (k must be written out)")
	}
	sum, err := b.checksum()
	if err != nil {
		return nil, bad("%v", err)
	}
	if b.Checksum != sum {
		return nil, bad("checksum mismatch (file says %q, content gives %q): the file was edited or corrupted", b.Checksum, sum)
	}
	d := b.Spec.D
	if len(b.M) != d || len(b.WStar) != d {
		return nil, bad("m has %d rows and w_star %d values, want d = %d", len(b.M), len(b.WStar), d)
	}
	m := make([]float64, 0, d*d)
	for r, row := range b.M {
		if len(row) != d {
			return nil, bad("m row %d has %d values, want %d", r, len(row), d)
		}
		m = append(m, row...)
	}
	if err := finite("m", m); err != nil {
		return nil, bad("%v", err)
	}
	for i, w := range b.WStar {
		if !(w >= 0.5 && w <= 1) {
			return nil, bad("w_star[%d] = %v, want a value in [1/2, 1]", i, w)
		}
	}
	if dev := orthoDeviation(m, d); !(dev <= orthoTol) {
		return nil, bad("the dictionary is not orthonormal: max |M^T M - I| = %.3g > %g", dev, orthoTol)
	}
	return &SparseCoding{Spec: b.Spec, M: m, WStar: b.WStar}, nil
}

// orthoDeviation is max |M^T M - I| of a d x d row-major matrix.
func orthoDeviation(m []float64, d int) float64 {
	worst := 0.0
	for i := range d {
		for j := i; j < d; j++ {
			dot := 0.0
			for r := range d {
				dot += m[r*d+i] * m[r*d+j]
			}
			if i == j {
				dot--
			}
			worst = math.Max(worst, math.Abs(dot))
		}
	}
	return worst
}
