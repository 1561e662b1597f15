package compare

import (
	"errors"
	"strings"
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

// TestCellDecodeOptions: options of the wrong type are an error naming the
// learner, and options that fit override the defaults already in v.
func TestCellDecodeOptions(t *testing.T) {
	var o struct {
		LR    float64 `json:"lr"`
		Steps int     `json:"steps"`
	}
	o.Steps = 7
	c := Cell{Learner: "mlp", Options: map[string]any{"lr": 0.5}}
	if err := c.DecodeOptions(&o); err != nil || o.LR != 0.5 || o.Steps != 7 {
		t.Errorf("DecodeOptions = %v, %+v; want nil, lr 0.5, steps 7 kept", err, o)
	}
	c.Options = map[string]any{"steps": "many"}
	if err := c.DecodeOptions(&o); err == nil || !strings.Contains(err.Error(), "options of mlp") {
		t.Errorf("DecodeOptions with a string step count = %v, want an error naming mlp", err)
	}
}
