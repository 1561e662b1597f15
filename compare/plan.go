package compare

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/errkind"
	"github.com/hierlearn/hierlearn/internal/version"
)

// Plan is an experiment: a named list of cells.
type Plan struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Cells       []Cell `json:"cells"`
}

// ErrPlan is matched (errors.Is) by every error about an experiment that
// cannot run as given: an unknown preset, a config file that does not
// parse, a sweep or a cell that is incomplete or repeated.
var ErrPlan = errors.New("compare: invalid plan")

// Validate checks every cell's concept spec and sizes.
func (p Plan) Validate() error { return errkind.Mark(ErrPlan, p.check()) }

func (p Plan) check() error {
	if len(p.Cells) == 0 {
		return fmt.Errorf("plan %q has no cells", p.Name)
	}
	seen := map[string]bool{}
	for i, c := range p.Cells {
		switch c.Dataset {
		case "":
			if err := c.Concept.Validate(); err != nil {
				return fmt.Errorf("cell %d (%s): %w", i, c.Learner, err)
			}
		default:
			if err := checkDataset(c.Dataset); err != nil {
				return fmt.Errorf("cell %d (%s): %w", i, c.Learner, err)
			}
		}
		if c.N <= 0 || c.NTest <= 0 {
			return fmt.Errorf("cell %d (%s): n_train %d and n_test %d must be positive", i, c.Learner, c.N, c.NTest)
		}
		if c.Learner == "" {
			return fmt.Errorf("cell %d: no learner", i)
		}
		k := c.Key()
		if seen[k] {
			return fmt.Errorf("cell %d (%s) appears twice in the plan", i, c)
		}
		seen[k] = true
	}
	return nil
}

// writePlan records the plan (with the version that ran it) next to the
// results, refusing to mix two different plans in one directory.
func writePlan(dir string, p Plan) error {
	path := filepath.Join(dir, "plan.json")
	type stamped struct {
		Plan
		Version string `json:"version"`
	}
	b, err := json.MarshalIndent(stamped{p, version.Full()}, "", "  ")
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(path); err == nil {
		var prev stamped
		if json.Unmarshal(old, &prev) == nil && prev.Name != p.Name {
			return fmt.Errorf("%s holds results of plan %q, not %q: use another output directory", dir, prev.Name, p.Name)
		}
	}
	return atomicfile.WriteBytes(path, append(b, '\n'))
}

// Sweep is one block of a config file: the cross product of concepts,
// learners, sizes and seeds.
type Sweep struct {
	Experiment string         `yaml:"experiment" json:"experiment"`
	Concepts   []concept.Spec `yaml:"concepts" json:"concepts"`
	// Dataset names a real dataset ("fashion-mnist") instead of concepts.
	Dataset  string         `yaml:"dataset" json:"dataset"`
	Learners []string       `yaml:"learners" json:"learners"`
	N        []int          `yaml:"n" json:"n"`
	Seeds    []uint64       `yaml:"seeds" json:"seeds"`
	NTest    int            `yaml:"n_test" json:"n_test"`
	Options  map[string]any `yaml:"options" json:"options"`
	// MaxKernelN skips kernel cells with more training samples than this
	// (exact kernel ridge needs n^2 memory); 0 means no limit.
	MaxKernelN int `yaml:"max_kernel_n" json:"max_kernel_n"`
}

// Config is the schema of `hierlearn compare --config exp.yaml`:
//
//	name: my-sweep
//	sweeps:
//	  - experiment: sample-complexity
//	    concepts:
//	      - {d: 20, layers: 3, widths: [3, 3], alpha: [1, 0.3], skip: default, seed: 1}
//	    learners: [hnet:progressive, hnet:layerwise, mlp, "kernel:ntk:2"]
//	    n: [2000, 10000]
//	    seeds: [1, 2, 3]
//	    n_test: 5000
//	    max_kernel_n: 20000
//	    options: {steps_per_stage: 4000}
//
// Omitted concept fields take concept.DefaultSpec's values.
type Config struct {
	Name        string  `yaml:"name" json:"name"`
	Description string  `yaml:"description" json:"description"`
	Sweeps      []Sweep `yaml:"sweeps" json:"sweeps"`
}

// LoadConfig reads a YAML (or JSON) config file.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	return ParseConfig(b, path)
}

// ParseConfig decodes a YAML (or JSON) config; path names it in errors
// and gives the plan its default name.
func ParseConfig(b []byte, path string) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return Config{}, errkind.Mark(ErrPlan, fmt.Errorf("%s: %w", path, err))
	}
	if c.Name == "" {
		c.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return c, nil
}

// Plan expands the config into cells.
func (c Config) Plan() (Plan, error) {
	p := Plan{Name: c.Name, Description: c.Description}
	for i, s := range c.Sweeps {
		if (len(s.Concepts) == 0) == (s.Dataset == "") || len(s.Learners) == 0 || len(s.N) == 0 {
			return Plan{}, errkind.Mark(ErrPlan, fmt.Errorf("sweep %d (%s): needs concepts or a dataset (one of them), learners and n", i, s.Experiment))
		}
		concepts := s.Concepts
		if s.Dataset != "" {
			concepts = []concept.Spec{{}}
		}
		seeds := s.Seeds
		if len(seeds) == 0 {
			seeds = []uint64{1}
		}
		nTest := s.NTest
		if nTest == 0 {
			nTest = 5000
		}
		for _, spec := range concepts {
			if s.Dataset == "" {
				spec = fillSpec(spec)
			}
			for _, l := range s.Learners {
				for _, n := range s.N {
					if s.MaxKernelN > 0 && n > s.MaxKernelN && strings.HasPrefix(l, "kernel:") && !strings.HasPrefix(l, "kernel:rf-") {
						continue
					}
					for _, seed := range seeds {
						p.Cells = append(p.Cells, Cell{Experiment: s.Experiment, Learner: l, Concept: spec, Dataset: s.Dataset,
							N: n, NTest: nTest, Seed: seed, Options: s.Options})
					}
				}
			}
		}
	}
	return p, p.Validate()
}

// fillSpec completes a partly given concept spec with the defaults.
func fillSpec(s concept.Spec) concept.Spec {
	def := concept.DefaultSpec()
	if s.Family == concept.FamilyReLU {
		// d, depth and widths are the preset's; alpha, skip and gain do
		// not apply.
		if s.Seed == 0 {
			s.Seed = def.Seed
		}
		return s.Complete()
	}
	if s.Family == "" {
		s.Family = def.Family
	}
	if s.D == 0 {
		s.D = def.D
	}
	if s.Layers == 0 {
		s.Layers = def.Layers
	}
	if len(s.Widths) == 0 {
		k := 3
		if len(def.Widths) > 0 {
			k = def.Widths[0]
		}
		for l := 2; l <= s.Layers; l++ {
			s.Widths = append(s.Widths, k)
		}
	}
	if s.Skip == "" {
		s.Skip = def.Skip
	}
	if len(s.Alpha) == 0 {
		a := 1.0
		for l := 2; l <= s.Layers; l++ {
			s.Alpha = append(s.Alpha, a)
			a *= 0.3
		}
	}
	if s.Gain == 0 {
		s.Gain = def.Gain
	}
	if s.Task == "" {
		s.Task = def.Task
	}
	if s.Seed == 0 {
		s.Seed = def.Seed
	}
	return s
}

// Presets lists the built-in plans by name.
func Presets() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Preset returns a built-in plan.
func Preset(name string) (Plan, error) {
	c, ok := presets[name]
	if !ok {
		return Plan{}, errkind.Mark(ErrPlan, fmt.Errorf("unknown preset %q (have %s)", name, strings.Join(Presets(), ", ")))
	}
	return c.Plan()
}

// The reference concept of the notes: d=20, L=3, k=3, alpha (1, 0.3).
var refConcept = concept.Spec{D: 20, Layers: 3, Widths: []int{3, 3}, Alpha: []float64{1, 0.3}}

var presets = map[string]Config{
	"quick": {
		Name:        "quick",
		Description: "The separation in a few minutes: d=20, L=3, k=3, n=10k, 3 seeds; progressive vs layerwise HNet, ReLU MLP and two kernels.",
		Sweeps: []Sweep{{
			Experiment: "sample-complexity",
			Concepts:   []concept.Spec{refConcept},
			Learners:   []string{"hnet:progressive", "hnet:layerwise", "kernel:poly:4", "kernel:ntk:2"},
			N:          []int{10000},
			Seeds:      []uint64{1, 2, 3},
			NTest:      5000,
		}, {
			// A smaller MLP than the paper preset's 2x512 keeps the demo
			// within minutes; it is no better at this n (notes, section 5).
			Experiment: "sample-complexity",
			Concepts:   []concept.Spec{refConcept},
			Learners:   []string{"mlp"},
			N:          []int{10000},
			Seeds:      []uint64{1, 2, 3},
			NTest:      5000,
			Options:    map[string]any{"hidden": []any{256.0, 256.0}, "steps_per_stage": 2000.0},
		}},
	},
	"paper": {
		Name:        "paper",
		Description: "Sample complexity as in the notes' section 5: every learner and kernel at n = 2k, 10k, 50k, 3 seeds (kernels up to 10k).",
		Sweeps: []Sweep{{
			Experiment: "sample-complexity",
			Concepts:   []concept.Spec{refConcept},
			Learners: []string{"hnet:progressive", "hnet:layerwise", "hnet:e2e", "hnet:bfc-1", "mlp",
				"kernel:poly:2", "kernel:poly:4", "kernel:poly:8", "kernel:rbf", "kernel:ntk:2", "kernel:ntk:5", "kernel:comp", "kernel:rf-relu:4096"},
			N:          []int{2000, 10000, 50000},
			Seeds:      []uint64{1, 2, 3},
			NTest:      5000,
			MaxKernelN: 10000,
		}},
	},
	"crossframework": {
		Name: "crossframework",
		Description: "The reference concept learned in PyTorch (HNet from tools/hnet_ref.py, a ReLU MLP), exported with torch.onnx, " +
			"imported and evaluated by hierlearn, with the conjugate kernels of both, next to Go's HNet and the analytic kernels; " +
			"every imported and exported model is checked against onnxruntime.",
		Sweeps: []Sweep{{
			// The HNet's test error varies over decades between seeds, so
			// Go and PyTorch are compared over ten.
			Experiment: "crossframework",
			Concepts:   []concept.Spec{refConcept},
			Learners:   []string{"hnet:progressive", "torch:hnet:progressive", "torch-ck:hnet:progressive", "torch-ntk:hnet:progressive"},
			N:          []int{10000},
			Seeds:      []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			NTest:      5000,
			Options:    map[string]any{"check_onnx": true},
		}, {
			Experiment: "crossframework",
			Concepts:   []concept.Spec{refConcept},
			Learners:   []string{"torch:mlp", "torch-ck:mlp", "kernel:poly:4", "kernel:ntk:2"},
			N:          []int{10000},
			Seeds:      []uint64{1, 2, 3},
			NTest:      5000,
			Options:    map[string]any{"check_onnx": true},
		}},
	},
	"fashion-mnist": {
		Name: "fashion-mnist",
		Description: "Fashion-MNIST (10 classes, 0-1 test error on 5,000 test images): RBF and NTK kernel ridge on 10,000 training images, " +
			"a small ResNet trained in PyTorch for a few minutes, imported and checked against onnxruntime, and its conjugate kernel. " +
			"HNet and the MLP handle regression and binary tasks only, so they are not in this preset.",
		Sweeps: []Sweep{{
			Experiment: "fashion-mnist",
			Dataset:    FashionMNIST,
			Learners:   []string{"kernel:rbf", "kernel:ntk:2", "torch:resnet", "torch-ck:resnet"},
			N:          []int{10000},
			Seeds:      []uint64{1},
			NTest:      5000,
			// About four minutes of PyTorch training on one thread.
			Options: map[string]any{"steps_per_stage": 1500.0},
		}},
	},
	"depth":          depthPreset(),
	"scaling":        scalingPreset(),
	"backward-depth": backwardDepthPreset(),
	// Issue 17: over-parameterisation, lazy training, deep ReLU teachers.
	"overparam":    overparamPreset(),
	"lazy":         lazyPreset(),
	"relu-teacher": reluTeacherPreset(),
	// Issue 16: feature importance against a known ground truth.
	"feature-importance": featimpPreset(),
	// Issue 16: feature purification under adversarial training.
	"purification": purificationPreset(),
	// Issue 15: staged training of an imported ResNet on Fashion-MNIST.
	"real-bfc": realBFCPreset(),
}
