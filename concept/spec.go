package concept

import (
	"errors"
	"fmt"
	"math"
)

// Families of concepts.
const (
	FamilyHQ   = "hq"           // hierarchical quadratic (section 1 of the notes)
	FamilyReLU = "relu-teacher" // random deep ReLU network
)

// Skip modes of the hierarchical quadratic family.
const (
	SkipDefault = "default" // J_l = {0, 1, l-1}
	SkipChain   = "chain"   // J_l = {0, l-1}
	SkipDense   = "dense"   // J_l = {0, ..., l-1}
)

// Tasks.
const (
	TaskRegression     = "regression"
	TaskClassification = "classification"
	TaskMulticlass     = "multiclass" // real data (Fashion-MNIST) only
)

// Limits that Validate enforces, so that a nonsense or hostile spec (from
// a tampered file, say) cannot ask for an absurd allocation.
const (
	MaxD      = 1 << 20
	MaxLayers = 12 // degree 4096 for hq
	MaxWidth  = 1 << 14
	maxParams = 1 << 28
)

// ErrSpec is wrapped by every error about an invalid Spec.
var ErrSpec = errors.New("invalid concept spec")

// Spec describes a concept. The zero values of Family, Skip, Task, Alpha
// and Gain mean their defaults (see Complete); everything else must be set.
//
// For the hq family, Layers is L >= 2 (degree 2^L) and Widths holds
// k_2..k_L (length L-1). For the relu-teacher family, Layers is the depth
// D >= 1 (number of hidden ReLU layers) and Widths holds the hidden widths
// k_1..k_D (length D); Alpha, Skip and Gain do not apply and must be left
// at their zero values (Gain may be 1).
//
// A Widths of length 1 is expanded to every layer by Complete, so that
// "--width 3" means k_l = 3 for all l.
type Spec struct {
	Family     string    `json:"family" yaml:"family"`
	D          int       `json:"d" yaml:"d"`
	Layers     int       `json:"layers" yaml:"layers"`
	Widths     []int     `json:"widths" yaml:"widths"`
	Skip       string    `json:"skip" yaml:"skip"`
	Alpha      []float64 `json:"alpha" yaml:"alpha"`
	Gain       float64   `json:"gain" yaml:"gain"`
	Task       string    `json:"task" yaml:"task"`
	LabelNoise float64   `json:"label_noise" yaml:"label_noise"`
	Seed       uint64    `json:"seed" yaml:"seed"`
}

// DefaultSpec is the project's default concept: d=20, L=3, k=3,
// alpha=(1, 0.3), default skip sets, gain 1, regression, seed 1.
func DefaultSpec() Spec {
	return Spec{
		Family: FamilyHQ, D: 20, Layers: 3, Widths: []int{3, 3},
		Skip: SkipDefault, Alpha: []float64{1, 0.3}, Gain: 1,
		Task: TaskRegression, Seed: 1,
	}
}

// DefaultAlpha returns the default output weights alpha_2..alpha_L for
// depth L: 1, 0.3, 0.09, ... (ratio 0.3).
func DefaultAlpha(layers int) []float64 {
	if layers < 2 {
		return nil
	}
	a := make([]float64, layers-1)
	v := 1.0
	for i := range a {
		a[i] = v
		v *= 0.3
	}
	return a
}

// Complete returns s with the defaults filled in: family hq, skip
// "default", task regression, alpha DefaultAlpha(L), gain 1, and a single
// width expanded to every layer. It never fails; Validate reports what is
// still wrong. The slices of the result are fresh copies.
func (s Spec) Complete() Spec {
	if s.Family == "" {
		s.Family = FamilyHQ
	}
	if s.Task == "" {
		s.Task = TaskRegression
	}
	n := s.numWidths()
	s.Widths = append([]int(nil), s.Widths...)
	if len(s.Widths) == 1 && n > 1 {
		w := s.Widths[0]
		s.Widths = make([]int, n)
		for i := range s.Widths {
			s.Widths[i] = w
		}
	}
	if s.Family == FamilyHQ {
		if s.Skip == "" {
			s.Skip = SkipDefault
		}
		if s.Alpha == nil {
			s.Alpha = DefaultAlpha(s.Layers)
		} else {
			s.Alpha = append([]float64(nil), s.Alpha...)
		}
		if s.Gain == 0 {
			s.Gain = 1
		}
	}
	return s
}

// numWidths is the number of widths the family wants (0 if Layers is bad).
func (s Spec) numWidths() int {
	switch s.Family {
	case FamilyHQ, "":
		if s.Layers >= 2 {
			return s.Layers - 1
		}
	case FamilyReLU:
		if s.Layers >= 1 {
			return s.Layers
		}
	}
	return 0
}

// Validate reports the first thing wrong with s (after Complete), as an
// error wrapping ErrSpec.
func (s Spec) Validate() error {
	c := s.Complete()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrSpec, fmt.Sprintf(format, args...))
	}
	switch c.Family {
	case FamilyHQ, FamilyReLU:
	default:
		return bad("unknown family %q (want %q or %q)", c.Family, FamilyHQ, FamilyReLU)
	}
	if c.D < 1 || c.D > MaxD {
		return bad("d = %d: want 1 <= d <= %d", c.D, MaxD)
	}
	minL := 2
	if c.Family == FamilyReLU {
		minL = 1
	}
	if c.Layers < minL || c.Layers > MaxLayers {
		return bad("layers = %d: want %d <= layers <= %d for family %s", c.Layers, minL, MaxLayers, c.Family)
	}
	if len(c.Widths) != c.numWidths() {
		return bad("%d widths given, want %d (one per layer) or a single width for all", len(c.Widths), c.numWidths())
	}
	for i, k := range c.Widths {
		if k < 1 || k > MaxWidth {
			return bad("width %d of layer %d: want 1 <= width <= %d", k, c.firstLayer()+i, MaxWidth)
		}
	}
	if p := c.paramCount(); p > maxParams {
		return bad("%d parameters exceed the limit %d", p, maxParams)
	}
	switch c.Task {
	case TaskRegression, TaskClassification:
	default:
		return bad("unknown task %q (want %q or %q)", c.Task, TaskRegression, TaskClassification)
	}
	if !(c.LabelNoise >= 0 && c.LabelNoise <= 0.5) {
		return bad("label noise %v: want 0 <= noise <= 0.5", c.LabelNoise)
	}
	if c.LabelNoise > 0 && c.Task != TaskClassification {
		return bad("label noise %v needs task %q", c.LabelNoise, TaskClassification)
	}
	if c.Family == FamilyReLU {
		if c.Skip != "" {
			return bad("skip %q does not apply to family %s", c.Skip, c.Family)
		}
		if len(c.Alpha) != 0 {
			return bad("alpha does not apply to family %s", c.Family)
		}
		if c.Gain != 0 && c.Gain != 1 {
			return bad("gain does not apply to family %s", c.Family)
		}
		return nil
	}
	switch c.Skip {
	case SkipDefault, SkipChain, SkipDense:
	default:
		return bad("unknown skip mode %q (want default, chain or dense)", c.Skip)
	}
	if len(c.Alpha) != c.Layers-1 {
		return bad("%d alpha values given, want %d (alpha_2..alpha_%d)", len(c.Alpha), c.Layers-1, c.Layers)
	}
	nonzero := false
	for i, a := range c.Alpha {
		if math.IsNaN(a) || math.IsInf(a, 0) {
			return bad("alpha_%d = %v is not finite", i+2, a)
		}
		if a != 0 {
			nonzero = true
		}
	}
	if !nonzero {
		return bad("all alpha are zero: the output would be constant")
	}
	if math.IsNaN(c.Gain) || math.IsInf(c.Gain, 0) {
		return bad("gain %v is not finite", c.Gain)
	}
	return nil
}

// firstLayer is the index of the first layer that has a width: 2 for hq,
// 1 for relu-teacher.
func (s Spec) firstLayer() int {
	if s.Family == FamilyReLU {
		return 1
	}
	return 2
}

// Inputs returns the skip set J_l of layer l (2 <= l <= L) for the skip
// mode, in increasing order:
//
//	default: {0, 1, l-1}, each index once (J_2 = {0, 1})
//	chain:   {0, l-1}                    (J_2 = {0, 1})
//	dense:   {0, 1, ..., l-1}
func Inputs(skip string, l int) []int {
	switch skip {
	case SkipChain:
		return []int{0, l - 1}
	case SkipDense:
		js := make([]int, l)
		for j := range js {
			js[j] = j
		}
		return js
	default:
		if l == 2 {
			return []int{0, 1}
		}
		return []int{0, 1, l - 1}
	}
}

// inputDim is dim_j: d for j = 0, 1 and k_j for j >= 2.
func (s Spec) inputDim(j int) int {
	if j < 2 {
		return s.D
	}
	return s.Widths[j-2]
}

// paramCount is the number of weights of the (completed, shape-valid) spec.
func (s Spec) paramCount() int {
	p := 0
	if s.Family == FamilyReLU {
		prev := s.D
		for _, k := range s.Widths {
			p += k * prev
			prev = k
		}
		return p + prev
	}
	for l := 2; l <= s.Layers; l++ {
		for _, j := range Inputs(s.Skip, l) {
			p += s.Widths[l-2] * s.inputDim(j)
		}
	}
	return p + len(s.Alpha)
}

// Degree is the polynomial degree 2^L of an hq concept; a relu-teacher
// concept is not a polynomial and has degree 0.
func (s Spec) Degree() int {
	if s.Family == FamilyReLU {
		return 0
	}
	return 1 << s.Layers
}
