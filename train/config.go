package train

import (
	"fmt"
	"strconv"
	"strings"
)

// Learner names.
const (
	LearnerHNet = "hnet"
	LearnerMLP  = "mlp"
)

// Mode names (bfc-k is "bfc-" followed by k >= 1).
const (
	ModeProgressive = "progressive"
	ModeLayerwise   = "layerwise"
	ModeE2E         = "e2e"
)

// Config is everything that determines a training run; the same Config
// and data give the same model on the same machine.
type Config struct {
	Learner       string  `json:"learner"`
	Mode          string  `json:"mode"`            // HNet training mode; "e2e" for the MLP
	Depth         int     `json:"depth"`           // L; 0 = from the test set's hidden features
	Width         int     `json:"width"`           // k' of every HNet layer
	Hidden        []int   `json:"hidden"`          // MLP hidden widths
	StepsPerStage int     `json:"steps_per_stage"` // e2e and the MLP train (L-1) x this many steps
	Batch         int     `json:"batch"`
	LR            float64 `json:"lr"` // peak learning rate of the one-cycle schedule
	DType         string  `json:"dtype"`
	Seed          uint64  `json:"seed"`
	Engine        string  `json:"engine"` // "native" (hand-written passes; "" means native) or a registered Engine (HNet only)
}

// EngineNative is the default engine: the hand-written passes.
const EngineNative = "native"

// DefaultConfig is the configuration of the notes (section 2).
func DefaultConfig() Config {
	return Config{Learner: LearnerHNet, Mode: ModeProgressive, Width: 3, Hidden: []int{512, 512},
		StepsPerStage: 4000, Batch: 512, LR: 3e-3, DType: "float32", Seed: 1, Engine: EngineNative}
}

// bfcDepth returns k for mode "bfc-k".
func bfcDepth(mode string) (int, bool) {
	s, ok := strings.CutPrefix(mode, "bfc-")
	if !ok {
		return 0, false
	}
	k, err := strconv.Atoi(s)
	if err != nil || k < 1 {
		return 0, false
	}
	return k, true
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch c.Learner {
	case LearnerHNet:
		if _, ok := bfcDepth(c.Mode); !ok && c.Mode != ModeProgressive && c.Mode != ModeLayerwise && c.Mode != ModeE2E {
			return fmt.Errorf("mode %q: want progressive, layerwise, e2e or bfc-K (K >= 1)", c.Mode)
		}
		if c.Width < 1 {
			return fmt.Errorf("width %d: must be >= 1", c.Width)
		}
	case LearnerMLP:
		if c.Mode != ModeE2E {
			return fmt.Errorf("mode %q: the MLP trains end to end only (mode e2e)", c.Mode)
		}
		if len(c.Hidden) == 0 {
			return fmt.Errorf("mlp: no hidden layers")
		}
		for _, h := range c.Hidden {
			if h < 1 {
				return fmt.Errorf("mlp: hidden widths %v must be >= 1", c.Hidden)
			}
		}
	default:
		return fmt.Errorf("learner %q: want hnet or mlp", c.Learner)
	}
	switch c.Engine {
	case "", EngineNative:
	default:
		if _, ok := lookupEngine(c.Engine); !ok {
			return fmt.Errorf("engine %q: want %s", c.Engine, engineNames())
		}
		if c.Learner != LearnerHNet {
			return fmt.Errorf("engine %s trains the HNet only", c.Engine)
		}
	}
	if c.Depth != 0 && c.Depth < 2 {
		return fmt.Errorf("depth %d: must be >= 2", c.Depth)
	}
	if c.StepsPerStage < 1 {
		return fmt.Errorf("steps per stage %d: must be >= 1", c.StepsPerStage)
	}
	if c.Batch < 1 {
		return fmt.Errorf("batch %d: must be >= 1", c.Batch)
	}
	if !(c.LR > 0) || c.LR > 10 {
		return fmt.Errorf("learning rate %v: must be in (0, 10]", c.LR)
	}
	if c.DType != "float32" && c.DType != "float64" {
		return fmt.Errorf("dtype %q: want float32 or float64", c.DType)
	}
	return nil
}

// stage is one phase of training: output terms 2..top on, K_lo..K_top
// (and a, b) trained, for steps steps.
type stage struct {
	Top, Lo, Steps int
}

// plan returns the stages of a run of depth L.
func (c Config) plan(L int) []stage {
	n := c.StepsPerStage
	if c.Learner == LearnerMLP || c.Mode == ModeE2E {
		return []stage{{Top: L, Lo: 2, Steps: (L - 1) * n}}
	}
	var out []stage
	for l := 2; l <= L; l++ {
		lo := 2
		switch c.Mode {
		case ModeLayerwise:
			lo = l
		default:
			if k, ok := bfcDepth(c.Mode); ok {
				lo = max(2, l-k)
			}
		}
		out = append(out, stage{Top: l, Lo: lo, Steps: n})
	}
	return out
}

// StageSteps is the number of steps of each stage of a run of depth
// c.Depth, in order.
func (c Config) StageSteps() []int {
	var steps []int
	for _, s := range c.plan(c.Depth) {
		steps = append(steps, s.Steps)
	}
	return steps
}
