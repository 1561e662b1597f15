package deepnet

import (
	"errors"
	"fmt"
	"math"
)

// The parameterisations (Config.Param).
const (
	Standard  = "standard"
	NTK       = "ntk"
	MeanField = "mean-field"
)

// Limits of Config.
const (
	MinDepth  = 2
	MaxDepth  = 6
	MaxWidth  = 1 << 15
	maxParams = 1 << 26 // about 0.5 GB of float64 per copy; three copies are held
)

// ErrConfig is wrapped by every error about an invalid Config or dataset.
var ErrConfig = errors.New("deepnet: invalid config")

// Config is one training run.
type Config struct {
	Param string  `json:"param"` // Standard, NTK or MeanField
	Depth int     `json:"depth"` // weight layers L (L-1 hidden layers)
	Width int     `json:"width"` // hidden width m
	Alpha float64 `json:"alpha"` // output scale; 0 means 1
	// Center subtracts the initial network's output: p = alpha (f - f_0).
	Center bool    `json:"center"`
	LR     float64 `json:"lr"`    // step size (times the width for mean-field)
	Steps  int     `json:"steps"` // gradient steps
	Batch  int     `json:"batch"` // SGD batch; 0 (or >= n) is full-batch GD
	// LogEvery is how often SGD records the full training loss; 0 means
	// Steps/100 (at least 1). Full-batch GD records every step.
	LogEvery int    `json:"log_every"`
	Probe    int    `json:"probe"` // probe points for the NTK and patterns; 0 means 128
	KRR      bool   `json:"krr"`   // also fit kernel regression with the initial NTK
	Seed     uint64 `json:"seed"`
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...)
	}
	switch c.Param {
	case Standard, NTK, MeanField:
	default:
		return bad("unknown parameterisation %q (want %s, %s or %s)", c.Param, Standard, NTK, MeanField)
	}
	if c.Depth < MinDepth || c.Depth > MaxDepth {
		return bad("depth %d: want %d..%d weight layers", c.Depth, MinDepth, MaxDepth)
	}
	if c.Width < 1 || c.Width > MaxWidth {
		return bad("width %d: want 1..%d", c.Width, MaxWidth)
	}
	if c.Depth > 2 && c.Width*c.Width*(c.Depth-2) > maxParams {
		return bad("depth %d x width %d has more than %d parameters", c.Depth, c.Width, maxParams)
	}
	if math.IsNaN(c.Alpha) || c.Alpha < 0 || math.IsInf(c.Alpha, 0) {
		return bad("alpha %v: want a positive number (0 means 1)", c.Alpha)
	}
	if !(c.LR > 0) || math.IsInf(c.LR, 0) {
		return bad("lr %v: want a positive number", c.LR)
	}
	if c.Steps < 1 {
		return bad("steps %d: want at least 1", c.Steps)
	}
	if c.Batch < 0 || c.LogEvery < 0 || c.Probe < 0 {
		return bad("batch %d, log_every %d, probe %d: want >= 0", c.Batch, c.LogEvery, c.Probe)
	}
	return nil
}

func (c Config) alpha() float64 {
	if c.Alpha == 0 {
		return 1
	}
	return c.Alpha
}

// stepSize is the step of gradient descent on the loss.
func (c Config) stepSize() float64 {
	if c.Param == MeanField {
		return c.LR * float64(c.Width)
	}
	return c.LR
}
