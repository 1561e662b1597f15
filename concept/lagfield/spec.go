package lagfield

import (
	"errors"
	"fmt"
	"math"
)

// ErrSpec is wrapped by every error about an invalid Spec.
var ErrSpec = errors.New("lagfield: invalid spec")

// Spec describes the process and its target (see the package doc).
type Spec struct {
	H        int       `json:"h"`        // grid rows
	W        int       `json:"w"`        // grid columns
	Lags     int       `json:"lags"`     // L: lags 0..L-1 (lag 0 the target's own step)
	Channels int       `json:"channels"` // C input channels
	Amp      []float64 `json:"amp"`      // a_c, one per channel (0: a distractor)
	Tau      float64   `json:"tau"`      // temporal decay length, in steps
	Ell      float64   `json:"ell"`      // spatial decay length, in grid cells
	Radius   int       `json:"radius"`   // R: offsets with |o| <= R act
	Rho      float64   `json:"rho"`      // AR(1) coefficient of the inputs in time
	Beta     float64   `json:"beta"`     // y = u + beta tanh(u): the nonlinearity (beta >= 0)
	Noise    float64   `json:"noise"`    // std of the additive target noise
}

// DefaultSpec is the preset's setting: a 16x16 grid, 6 lags, two driving
// channels of opposite sign and a distractor, tau 2, ell 1.5, R 3,
// rho 0.5, beta 0.3, noise 0.05.
func DefaultSpec() Spec {
	return Spec{H: 16, W: 16, Lags: 6, Channels: 3, Amp: []float64{1, -0.6, 0},
		Tau: 2, Ell: 1.5, Radius: 3, Rho: 0.5, Beta: 0.3, Noise: 0.05}
}

// Validate reports the first problem with s.
func (s Spec) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrSpec, fmt.Sprintf(format, args...))
	}
	switch {
	case s.H < 1 || s.W < 1 || s.H > 512 || s.W > 512:
		return bad("grid %dx%d: want 1..512 on each side", s.H, s.W)
	case s.Lags < 1 || s.Lags > 64:
		return bad("lags %d: want 1..64", s.Lags)
	case s.Channels < 1 || s.Channels > 64:
		return bad("channels %d: want 1..64", s.Channels)
	case len(s.Amp) != s.Channels:
		return bad("%d amplitudes for %d channels", len(s.Amp), s.Channels)
	case !(s.Tau > 0) || !(s.Ell > 0) || math.IsInf(s.Tau, 0) || math.IsInf(s.Ell, 0):
		return bad("tau %v and ell %v must be positive and finite", s.Tau, s.Ell)
	case s.Radius < 0 || s.Radius > 32:
		return bad("radius %d: want 0..32", s.Radius)
	case !(s.Rho >= 0 && s.Rho < 1):
		return bad("rho %v: want 0 <= rho < 1", s.Rho)
	case !(s.Beta >= 0) || math.IsInf(s.Beta, 0):
		return bad("beta %v: want a finite beta >= 0", s.Beta)
	case !(s.Noise >= 0) || math.IsInf(s.Noise, 0):
		return bad("noise %v: want a finite noise >= 0", s.Noise)
	}
	nonzero := false
	for c, a := range s.Amp {
		if math.IsNaN(a) || math.IsInf(a, 0) {
			return bad("amp[%d] = %v", c, a)
		}
		nonzero = nonzero || a != 0
	}
	if !nonzero {
		return bad("every amplitude is 0: the target would be pure noise")
	}
	return nil
}

// InputShape is the shape of one example's input: (C*L, H, W).
func (s Spec) InputShape() []int { return []int{s.Channels * s.Lags, s.H, s.W} }

// InputSize is the number of values of one example's input.
func (s Spec) InputSize() int { return s.Channels * s.Lags * s.H * s.W }

// Index is the position of x_c(t-l, (r, col)) in an example's flattened input.
func (s Spec) Index(c, l, r, col int) int { return ((c*s.Lags+l)*s.H+r)*s.W + col }

// kernel is the unnormalised spatial-temporal factor exp(-l/tau) exp(-|o|/ell)
// of lag l and offset (dy, dx), 0 beyond the radius.
func (s Spec) kernel(l, dy, dx int) float64 {
	d := math.Hypot(float64(dy), float64(dx))
	if d > float64(s.Radius)+1e-9 {
		return 0
	}
	return math.Exp(-float64(l)/s.Tau) * math.Exp(-d/s.Ell)
}

// Scale is s, the stationary standard deviation of z at a point at least
// R cells from every edge: inputs at different places are independent
// and x_c(t-l) and x_c(t-l') have correlation rho^|l-l'|, so
//
//	s^2 = sum_c a_c^2 sum_o k(o)^2 sum_{l,l'} exp(-(l+l')/tau) rho^|l-l'|.
func (s Spec) Scale() float64 {
	var a2 float64
	for _, a := range s.Amp {
		a2 += a * a
	}
	var space float64
	for dy := -s.Radius; dy <= s.Radius; dy++ {
		for dx := -s.Radius; dx <= s.Radius; dx++ {
			k := s.kernel(0, dy, dx)
			space += k * k
		}
	}
	var time float64
	for l := 0; l < s.Lags; l++ {
		for m := 0; m < s.Lags; m++ {
			time += math.Exp(-float64(l+m)/s.Tau) * math.Pow(s.Rho, math.Abs(float64(l-m)))
		}
	}
	return math.Sqrt(a2 * space * time)
}

// Weight is w(c, l, o): the coefficient of x_c(t-l, p+o) in u(t, p).
func (s Spec) Weight(c, l, dy, dx int) float64 {
	return s.Amp[c] * s.kernel(l, dy, dx) / s.Scale()
}
