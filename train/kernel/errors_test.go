package kernel

import (
	"errors"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
)

// Bad input is reported with the package's sentinels, which callers test
// with errors.Is.
func TestErrorsMatchSentinels(t *testing.T) {
	good := regData(40, 3, 1)
	ds := &concept.Dataset{Task: concept.TaskRegression, N: 40, D: 3, X: good.X.Data, Y: good.Y}
	res, err := Fit(RBF{}, ds, Options{Ridge: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	_, predictErr := res.Predictor.Predict(NewMatrix(2, 4))
	_, scoreErr := Score(NewMatrix(3, 1), ds)
	_, badLabels := Fit(RBF{}, &concept.Dataset{Task: concept.TaskClassification, N: 40, D: 3, X: good.X.Data, Y: good.Y}, Options{Ridge: 1e-3})
	_, short := Fit(RBF{}, &concept.Dataset{Task: concept.TaskRegression, N: 40, D: 3, X: good.X.Data[:7], Y: good.Y}, Options{Ridge: 1e-3})
	_, spec := Parse("poly:x", 0)
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"predict with 4 columns", predictErr, ErrShape},
		{"3 predictions for 40 points", scoreErr, ErrShape},
		{"labels not ±1", badLabels, ErrData},
		{"7 values for 40x3 inputs", short, ErrShape},
		{"7 values for 40x3 inputs", short, ErrData},
		{"bad spec", spec, ErrSpec},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: error %v does not match %v", tc.name, tc.err, tc.want)
		}
	}
}
