package compare

import (
	"errors"
	"testing"
)

// An experiment that cannot run as given is reported with ErrPlan.
func TestErrorsMatchErrPlan(t *testing.T) {
	_, preset := Preset("no-such-preset")
	_, parse := ParseConfig([]byte("sweeps: [{unknown_field: 1}]"), "bad.yaml")
	_, sweep := Config{Name: "x", Sweeps: []Sweep{{Experiment: "e"}}}.Plan()
	for _, tc := range []struct {
		name string
		err  error
	}{{"unknown preset", preset}, {"unknown YAML field", parse}, {"sweep without learners", sweep}, {"empty plan", Plan{Name: "x"}.Validate()}} {
		if !errors.Is(tc.err, ErrPlan) {
			t.Errorf("%s: error %v does not match ErrPlan", tc.name, tc.err)
		}
	}
}
