package train

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/hierlearn/hierlearn/internal/npy"
)

// Data is a training or test set: N points x (rows of X, N x D row-major),
// targets Y, and optionally the concept's hidden features S*_l of layers
// l = 2..len(Hidden)+1 (Hidden[l-2] is N x HiddenWidths[l-2] row-major),
// which the feature error e_l needs. For classification Y holds labels
// -1 and +1.
type Data struct {
	Path         string // where it came from, for error messages
	Task         string
	N, D         int
	X, Y         []float64
	Hidden       [][]float64
	HiddenWidths []int
}

// LoadData reads an .npz dataset as the concept package writes it:
// members x (n x d), y (n), s2, s3, ... (n x k_l, optional) and meta (a
// JSON document whose "task" field, when present, names the task).
func LoadData(path string) (*Data, error) {
	z, err := npy.ReadNPZ(path)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", path, err)
	}
	d := &Data{Path: path, Task: Regression}
	xa, err := z.Get("x")
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", path, err)
	}
	if len(xa.Shape) != 2 {
		return nil, fmt.Errorf("dataset %s: x has shape %v, want (n, d)", path, xa.Shape)
	}
	d.X, d.N, d.D = xa.Float64s(), xa.Shape[0], xa.Shape[1]
	ya, err := z.Get("y")
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", path, err)
	}
	if len(ya.Shape) != 1 && !(len(ya.Shape) == 2 && ya.Shape[1] == 1) {
		return nil, fmt.Errorf("dataset %s: y has shape %v, want (%d,)", path, ya.Shape, d.N)
	}
	d.Y = ya.Float64s()
	for l := 2; ; l++ {
		sa, ok := z.Arrays["s"+strconv.Itoa(l)]
		if !ok {
			break
		}
		if len(sa.Shape) != 2 || sa.Shape[0] != d.N {
			return nil, fmt.Errorf("dataset %s: s%d has shape %v, want (%d, k)", path, l, sa.Shape, d.N)
		}
		d.Hidden = append(d.Hidden, sa.Float64s())
		d.HiddenWidths = append(d.HiddenWidths, sa.Shape[1])
	}
	if ma, ok := z.Arrays["meta"]; ok {
		if b, err := ma.Bytes(); err == nil {
			var meta struct {
				Task string `json:"task"`
			}
			if json.Unmarshal(b, &meta) == nil && meta.Task != "" {
				d.Task = meta.Task
			}
		}
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// Validate checks that the shapes agree and the values are usable.
func (d *Data) Validate() error {
	name := d.Path
	if name == "" {
		name = "(in memory)"
	}
	if d.N < 1 || d.D < 1 {
		return fmt.Errorf("dataset %s: %d points of dimension %d", name, d.N, d.D)
	}
	if len(d.X) != d.N*d.D {
		return fmt.Errorf("dataset %s: x holds %d values, want n*d = %d*%d", name, len(d.X), d.N, d.D)
	}
	if len(d.Y) != d.N {
		return fmt.Errorf("dataset %s: y has %d values but x has %d rows", name, len(d.Y), d.N)
	}
	if len(d.Hidden) != len(d.HiddenWidths) {
		return fmt.Errorf("dataset %s: %d hidden feature arrays but %d widths", name, len(d.Hidden), len(d.HiddenWidths))
	}
	for i, h := range d.Hidden {
		if len(h) != d.N*d.HiddenWidths[i] {
			return fmt.Errorf("dataset %s: s%d holds %d values, want %d x %d", name, i+2, len(h), d.N, d.HiddenWidths[i])
		}
	}
	switch d.Task {
	case Regression:
	case Classification:
		for i, y := range d.Y {
			if y != 1 && y != -1 {
				return fmt.Errorf("dataset %s: classification label y[%d] = %v, want -1 or +1", name, i, y)
			}
		}
	default:
		return fmt.Errorf("dataset %s: unknown task %q (want %s or %s)", name, d.Task, Regression, Classification)
	}
	for i, v := range d.X {
		if v != v || v > 1e300 || v < -1e300 {
			return fmt.Errorf("dataset %s: x[%d, %d] = %v is not finite", name, i/d.D, i%d.D, v)
		}
	}
	return nil
}

// checkPair checks that a training and a test set fit together.
func checkPair(tr, te *Data) error {
	if tr.D != te.D {
		return fmt.Errorf("training set %s has dimension %d (x shape (%d, %d)) but test set %s has %d (x shape (%d, %d))",
			tr.Path, tr.D, tr.N, tr.D, te.Path, te.D, te.N, te.D)
	}
	if tr.Task != te.Task {
		return fmt.Errorf("training set %s is %s but test set %s is %s", tr.Path, tr.Task, te.Path, te.Task)
	}
	return nil
}
