package train

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/errkind"
)

// ErrData is matched (errors.Is) by every error about a dataset the
// learners cannot use: task, shapes, labels, values, or a training and a
// test set that do not fit together. Errors reading the file match
// concept.ErrDataset.
var ErrData = errors.New("train: unusable dataset")

// LoadData reads an .npz dataset written by the concept package (members
// x, y, s2..sL, meta; see concept.Dataset) and checks that the learners
// can train on it or test on it.
func LoadData(path string) (*concept.Dataset, error) {
	ds, err := concept.LoadDataset(path)
	if err != nil {
		if strings.Contains(err.Error(), path) {
			return nil, err
		}
		return nil, fmt.Errorf("dataset %s: %w", path, err)
	}
	d, err := forTraining(ds)
	if err != nil {
		return nil, errkind.Mark(ErrData, fmt.Errorf("dataset %s: %w", path, err))
	}
	if err := validate(d); err != nil {
		return nil, errkind.Mark(ErrData, err)
	}
	return d, nil
}

// forTraining is ds as the learners see it (sharing its arrays): hidden
// features are kept only for the hq family (members s2..sL), the ones the
// feature error compares with. The test set's S*_l of layers
// l = 2..len(Hidden)+1 (Hidden[l-2] is N x HiddenWidths[l-2] row-major)
// give the feature error e_l. For classification Y holds labels -1 and +1.
func forTraining(ds *concept.Dataset) (*concept.Dataset, error) {
	if ds.Task != concept.TaskRegression && ds.Task != concept.TaskClassification {
		return nil, fmt.Errorf("task %q: the learners handle regression and binary classification", ds.Task)
	}
	d := *ds
	d.Hidden, d.HiddenWidths, d.HiddenNames = nil, nil, nil
	for i, h := range ds.Hidden {
		name := "s" + strconv.Itoa(i+2)
		if ds.HiddenNames != nil && ds.HiddenNames[i] != name {
			break
		}
		d.Hidden = append(d.Hidden, h)
		d.HiddenWidths = append(d.HiddenWidths, ds.HiddenWidths[i])
		d.HiddenNames = append(d.HiddenNames, name)
	}
	return &d, nil
}

// validate checks that the shapes agree and the values are usable.
func validate(d *concept.Dataset) error {
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
	case concept.TaskRegression:
	case concept.TaskClassification:
		for i, y := range d.Y {
			if y != 1 && y != -1 {
				return fmt.Errorf("dataset %s: classification label y[%d] = %v, want -1 or +1", name, i, y)
			}
		}
	default:
		return fmt.Errorf("dataset %s: unknown task %q (want %s or %s)", name, d.Task, concept.TaskRegression, concept.TaskClassification)
	}
	for i, v := range d.X {
		if v != v || v > 1e300 || v < -1e300 {
			return fmt.Errorf("dataset %s: x[%d, %d] = %v is not finite", name, i/d.D, i%d.D, v)
		}
	}
	return nil
}

// checkPair checks that a training and a test set fit together.
func checkPair(tr, te *concept.Dataset) error {
	if tr.D != te.D {
		return fmt.Errorf("training set %s has dimension %d (x shape (%d, %d)) but test set %s has %d (x shape (%d, %d))",
			tr.Path, tr.D, tr.N, tr.D, te.Path, te.D, te.N, te.D)
	}
	if tr.Task != te.Task {
		return fmt.Errorf("training set %s is %s but test set %s is %s", tr.Path, tr.Task, te.Path, te.Task)
	}
	return nil
}

// UseConcept checks that d was drawn in c's input space and, when d lacks
// the hidden features S*_l, computes them with c (hq concepts only).
func UseConcept(d *concept.Dataset, c *concept.Concept, conceptPath string) error {
	if s := c.Spec(); s.D != d.D {
		return errkind.Mark(ErrData, fmt.Errorf("concept %s has d = %d but dataset %s has x of shape (%d, %d)", conceptPath, s.D, d.Path, d.N, d.D))
	}
	if len(c.HiddenNames()) == 0 || c.HiddenNames()[0] != "s2" {
		return nil
	}
	if len(d.Hidden) > 0 && (d.HiddenNames == nil || d.HiddenNames[0] == "s2") {
		return nil
	}
	_, hidden := c.Eval(d.X, d.N)
	d.Hidden, d.HiddenWidths, d.HiddenNames = hidden, c.Widths(), c.HiddenNames()
	return nil
}
