package train

import (
	"context"
	"errors"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
)

// Bad input is reported with the package's sentinels, which callers test
// with errors.Is.
func TestErrorsMatchSentinels(t *testing.T) {
	tr, te := toySplit(t, 60, 40, 4, 3, 2, 1)
	badCfg := smallConfig(ModeProgressive)
	badCfg.Width = 0
	wide := *te
	wide.D, wide.X = 2, te.X[:2*te.N]
	labels := *tr
	labels.Task = concept.TaskClassification
	for _, tc := range []struct {
		name   string
		cfg    Config
		tr, te *concept.Dataset
		want   error
	}{
		{"width 0", badCfg, tr, te, ErrConfig},
		{"unknown engine", func() Config { c := smallConfig(ModeProgressive); c.Engine = "nope"; return c }(), tr, te, ErrConfig},
		{"dimensions differ", smallConfig(ModeProgressive), tr, &wide, ErrData},
		{"labels not ±1", smallConfig(ModeProgressive), &labels, te, ErrData},
		{"multiclass", smallConfig(ModeProgressive), &concept.Dataset{Task: concept.TaskMulticlass, N: 1, D: 1, X: []float64{0}}, te, ErrData},
	} {
		_, err := Run(context.Background(), tc.cfg, tc.tr, tc.te, Options{})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v does not match %v", tc.name, err, tc.want)
		}
	}
}
