package train

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hierlearn/hierlearn/internal/errkind"
)

// Learner names.
const (
	LearnerHNet = "hnet"
	LearnerMLP  = "mlp"
)

// Mode names (bfc-k is "bfc-" followed by k >= 0; bfc-0 trains like
// layerwise).
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
	// Recipe is how long each stage trains and how its learning rate
	// moves: RecipeFixed ("" means fixed) or RecipePlateau, whose
	// settings follow (ignored by the fixed recipe).
	Recipe      string  `json:"recipe,omitempty"`
	Cycle       int     `json:"cycle,omitempty"`        // steps of one learning-rate cycle
	Patience    int     `json:"patience,omitempty"`     // cycles without a validation improvement before a stage stops
	StepCap     int     `json:"step_cap,omitempty"`     // most steps a stage may take, restarts included
	Restarts    int     `json:"restarts,omitempty"`     // r: candidates of each newly switched-on layer
	ValFraction float64 `json:"val_fraction,omitempty"` // share of the training set held out for validation
	// Clip is the joint Euclidean norm the trained gradients are clipped
	// to before every Adam step; 0 means DefaultClip (the notes' 1).
	Clip float64 `json:"clip,omitempty"`
}

// EngineNative is the default engine: the hand-written passes.
const EngineNative = "native"

// DefaultConfig is the configuration of the notes (section 2), with the
// fixed recipe of 4,000 steps a stage.
func DefaultConfig() Config {
	return Config{Learner: LearnerHNet, Mode: ModeProgressive, Width: 3, Hidden: []int{512, 512},
		StepsPerStage: 4000, Batch: 512, LR: 3e-3, DType: "float32", Seed: 1, Engine: EngineNative}
}

// Gradient clipping: the norm of the notes (and of the fixed recipe), and
// the plateau recipe's. On deep hq concepts (L = 5, d = 20, n = 50k) the
// targets are heavy-tailed (polynomials of degree 2^L) and a batch holding
// one extreme point dominates an unclipped step; clipping to 0.3 bounds
// how far such a batch moves the weights. Measured (bench bfc, L = 5,
// progressive, seeds 3, 4, 5): test error 7.2e-3 / 6.5e-3 / 5.0e-3 at 1,
// 2.7e-3 / 1.7e-3 / 2.9e-3 at 0.3; on seed 3 no clip gave 6.4e-2 and 0.1
// gave 9.4e-3.
const (
	DefaultClip = 1.0
	PlateauClip = 0.3
)

// ClipNorm is the gradient clip norm of c (DefaultClip when unset).
func (c Config) ClipNorm() float64 {
	if c.Clip == 0 {
		return DefaultClip
	}
	return c.Clip
}

// PlateauConfig is DefaultConfig with the plateau recipe and its default
// settings.
func PlateauConfig() Config {
	c := DefaultConfig()
	c.Recipe, c.Cycle, c.Patience, c.StepCap, c.Restarts, c.ValFraction = RecipePlateau, 2000, 2, 48000, 3, 0.1
	c.Clip = PlateauClip
	return c
}

// bfcDepth returns k for mode "bfc-k".
func bfcDepth(mode string) (int, bool) {
	s, ok := strings.CutPrefix(mode, "bfc-")
	if !ok {
		return 0, false
	}
	k, err := strconv.Atoi(s)
	if err != nil || k < 0 || s != strconv.Itoa(k) {
		return 0, false
	}
	return k, true
}

// ErrConfig is matched (errors.Is) by every error about an invalid Config.
var ErrConfig = errors.New("train: invalid config")

// Validate checks the configuration; its errors match ErrConfig.
func (c Config) Validate() error { return errkind.Mark(ErrConfig, c.check()) }

func (c Config) check() error {
	switch c.Learner {
	case LearnerHNet:
		if _, ok := bfcDepth(c.Mode); !ok && c.Mode != ModeProgressive && c.Mode != ModeLayerwise && c.Mode != ModeE2E {
			return fmt.Errorf("mode %q: want progressive, layerwise, e2e or bfc-K (K >= 0)", c.Mode)
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
	switch c.Recipe {
	case "", RecipeFixed:
	case RecipePlateau:
		if c.Cycle < 1 || c.Patience < 1 || c.Restarts < 1 {
			return fmt.Errorf("recipe plateau: cycle %d, patience %d and restarts %d must be >= 1", c.Cycle, c.Patience, c.Restarts)
		}
		if c.StepCap < c.Restarts*c.Cycle {
			return fmt.Errorf("recipe plateau: step cap %d is below restarts x cycle = %d", c.StepCap, c.Restarts*c.Cycle)
		}
		if !(c.ValFraction > 0 && c.ValFraction < 0.5) {
			return fmt.Errorf("recipe plateau: validation fraction %v must be in (0, 0.5)", c.ValFraction)
		}
	default:
		return fmt.Errorf("recipe %q: want %s or %s", c.Recipe, RecipeFixed, RecipePlateau)
	}
	if c.Clip < 0 || math.IsNaN(c.Clip) || math.IsInf(c.Clip, 0) {
		return fmt.Errorf("gradient clip %v: must be a positive norm (0: the default %v)", c.Clip, DefaultClip)
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
// (and a, b) trained, for steps steps (under the plateau recipe: at most
// so many).
type stage struct {
	Top, Lo, Steps int
}

// plan returns the stages of a run of depth L.
func (c Config) plan(L int) []stage {
	n := c.StepsPerStage
	if c.Recipe == RecipePlateau {
		n = c.StepCap
	}
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
