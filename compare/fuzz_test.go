package compare

import (
	"strings"
	"testing"
)

func FuzzParseResults(f *testing.F) {
	f.Add([]byte(`{"key":"k","cell":{"learner":"mlp","n_train":10,"n_test":5,"seed":1,"concept":{"d":3}},"metrics":{"test_rel_mse":0.5}}` + "\n"))
	f.Add([]byte(`{"key":"k","error":"x"}` + "\n" + `{"key":"torn`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := parseResults(b, "fuzz.jsonl")
		if err != nil {
			return
		}
		// Whatever decodes must survive the report's grouping.
		var sb strings.Builder
		writeReport(&sb, Latest(rs), nil)
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("name: x\nsweeps:\n  - experiment: e\n    concepts: [{d: 5, layers: 3}]\n    learners: [mlp]\n    n: [10]\n"))
	f.Add([]byte("sweeps: [{dataset: fashion-mnist, learners: [kernel:rbf], n: [5]}]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b, "fuzz.yaml")
		if err != nil {
			return
		}
		if len(c.Sweeps) > 4 {
			return // keep the expansion small
		}
		for _, s := range c.Sweeps {
			if len(s.Concepts)*len(s.Learners)*len(s.N)*max(len(s.Seeds), 1) > 1000 {
				return
			}
		}
		c.Plan() // must not panic
	})
}

func TestConfigErrors(t *testing.T) {
	for name, y := range map[string]string{
		"unknown field": "name: x\nsweeps:\n  - experimnt: e\n",
		"not yaml":      "{{{",
		"bad dataset":   "sweeps: [{dataset: mnist, learners: [kernel:rbf], n: [5]}]",
		"both":          "sweeps: [{dataset: fashion-mnist, concepts: [{d: 3}], learners: [kernel:rbf], n: [5]}]",
	} {
		c, err := ParseConfig([]byte(y), "bad.yaml")
		if err == nil {
			_, err = c.Plan()
		}
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestConfigConceptFields(t *testing.T) {
	c, err := ParseConfig([]byte("sweeps:\n  - concepts: [{d: 7, layers: 4, label_noise: 0.1, task: classification, skip: chain}]\n    learners: [mlp]\n    n: [10]\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sweeps[0].Concepts[0]
	if s.D != 7 || s.Layers != 4 || s.LabelNoise != 0.1 || s.Task != "classification" || s.Skip != "chain" {
		t.Fatalf("spec = %+v", s)
	}
}
