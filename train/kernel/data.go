package kernel

import (
	"errors"
	"fmt"
	"math"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/errkind"
)

// data is a concept.Dataset as the solvers see it: inputs X (one point a
// row, sharing the dataset's array) and the targets of its task.
type data struct {
	Task   string
	X      Matrix
	Y      []float64 // regression targets, or ±1 labels for classification
	Labels []int64   // class labels for multiclass
}

// Errors that callers can test with errors.Is.
var (
	// ErrData is matched by every error about unusable data: no points,
	// targets or labels that do not fit the task, non-finite values.
	ErrData = errors.New("kernel: unusable data")
	// ErrShape is matched by every error about operands whose shapes do
	// not fit together (inputs and model, predictions and targets).
	ErrShape = errors.New("kernel: shape mismatch")
)

// check validates shapes, labels and finiteness; its errors match ErrData.
func (d data) check(what string) error { return errkind.Mark(ErrData, d.checkValues(what)) }

func (d data) checkValues(what string) error {
	if d.X.Rows == 0 || d.X.Cols == 0 {
		return fmt.Errorf("%s: no data (%d×%d inputs)", what, d.X.Rows, d.X.Cols)
	}
	if err := d.X.Check(what + " inputs"); err != nil {
		return err
	}
	switch d.Task {
	case concept.TaskRegression, concept.TaskClassification, "":
		if len(d.Y) != d.X.Rows {
			return fmt.Errorf("%s: %d targets for %d points", what, len(d.Y), d.X.Rows)
		}
		for i, v := range d.Y {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%s: non-finite target %v at row %d", what, v, i)
			}
			if d.Task == concept.TaskClassification && v != 1 && v != -1 {
				return fmt.Errorf("%s: classification label %v at row %d is not ±1", what, v, i)
			}
		}
	case concept.TaskMulticlass:
		if len(d.Labels) != d.X.Rows {
			return fmt.Errorf("%s: %d labels for %d points", what, len(d.Labels), d.X.Rows)
		}
		for i, v := range d.Labels {
			if v < 0 || v > 1<<20 {
				return fmt.Errorf("%s: class label %d at row %d out of range", what, v, i)
			}
		}
	default:
		return fmt.Errorf("%s: unknown task %q (want %s, %s or %s)", what, d.Task, concept.TaskRegression, concept.TaskClassification, concept.TaskMulticlass)
	}
	return nil
}

// targets returns the regression targets of d: y itself (n×1), or the
// one-hot encoding of the labels (n×classes) for multiclass.
func (d data) targets(classes int) Matrix {
	if d.Task != concept.TaskMulticlass {
		return Matrix{Rows: d.X.Rows, Cols: 1, Data: append([]float64(nil), d.Y...)}
	}
	t := NewMatrix(d.X.Rows, classes)
	for i, l := range d.Labels {
		if int(l) < classes {
			t.Data[i*classes+int(l)] = 1
		}
	}
	return t
}

func (d data) numClasses() int {
	c := 0
	for _, l := range d.Labels {
		c = max(c, int(l)+1)
	}
	return c
}

// subset returns the rows idx of d.
func (d data) subset(idx []int) data {
	out := data{Task: d.Task, X: NewMatrix(len(idx), d.X.Cols)}
	for r, i := range idx {
		copy(out.X.Row(r), d.X.Row(i))
		if d.Y != nil {
			out.Y = append(out.Y, d.Y[i])
		}
		if d.Labels != nil {
			out.Labels = append(out.Labels, d.Labels[i])
		}
	}
	return out
}

// Metrics are the test metrics of a prediction.
type Metrics struct {
	// RelMSE is MSE / Var(y) (population variance) for regression; for
	// classification it is computed on the ±1 labels, for multiclass on
	// the one-hot targets.
	RelMSE float64 `json:"test_rel_mse"`
	MSE    float64 `json:"test_mse"`
	// Error is the 0-1 error (sign mismatch, or argmax mismatch); absent
	// for regression.
	Error *float64 `json:"test_error,omitempty"`
}

// Score compares predictions (n×outputs, as Predictor.Predict returns)
// with the targets of d.
func Score(pred Matrix, test *concept.Dataset) (Metrics, error) {
	return score(pred, dataOf(test))
}

func score(pred Matrix, d data) (Metrics, error) {
	if pred.Rows != d.X.Rows {
		return Metrics{}, errkind.Mark(ErrShape, fmt.Errorf("score: %d predictions for %d points", pred.Rows, d.X.Rows))
	}
	classes := pred.Cols
	if d.Task == concept.TaskMulticlass && classes < d.numClasses() {
		return Metrics{}, fmt.Errorf("score: test labels go up to %d but the model has %d classes", d.numClasses()-1, classes)
	}
	if d.Task != concept.TaskMulticlass && pred.Cols != 1 {
		return Metrics{}, errkind.Mark(ErrShape, fmt.Errorf("score: %d outputs for task %q", pred.Cols, d.Task))
	}
	t := d.targets(classes)
	mean := make([]float64, classes)
	for i := 0; i < t.Rows; i++ {
		for c, v := range t.Row(i) {
			mean[c] += v / float64(t.Rows)
		}
	}
	var sse, sst float64
	for i, v := range t.Data {
		sse += (pred.Data[i] - v) * (pred.Data[i] - v)
		sst += (v - mean[i%classes]) * (v - mean[i%classes])
	}
	if sst == 0 {
		return Metrics{}, fmt.Errorf("score: the test targets are constant, relative MSE undefined")
	}
	m := Metrics{MSE: sse / float64(len(t.Data)), RelMSE: sse / sst}
	switch d.Task {
	case concept.TaskClassification:
		wrong := 0
		for i, y := range d.Y {
			if (pred.Data[i] >= 0) != (y > 0) {
				wrong++
			}
		}
		e := float64(wrong) / float64(len(d.Y))
		m.Error = &e
	case concept.TaskMulticlass:
		wrong := 0
		for i, l := range d.Labels {
			if argmax(pred.Row(i)) != int(l) {
				wrong++
			}
		}
		e := float64(wrong) / float64(len(d.Labels))
		m.Error = &e
	}
	return m, nil
}

func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
