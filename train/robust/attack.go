package robust

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Attack methods and norms.
const (
	FGM = "fgm" // one step of size Eps along the normalised gradient
	PGD = "pgd" // Steps projected steps of size StepSize (default 2.5 Eps/Steps)

	L2   = "l2"
	LInf = "linf"
)

// ErrConfig is wrapped by every error about an invalid attack or training
// configuration.
var ErrConfig = errors.New("robust: invalid configuration")

// Attack is an l2 or l-infinity bounded attack on a Model's own input
// gradient. It ascends the margin loss -y f(x), whose gradient has the
// direction of the logistic loss's at every point (the two differ by a
// positive factor per point, which the normalised steps remove) and which
// does not vanish on confidently classified points. FGM (the fast
// gradient method; FGSM under l-infinity) takes one step of size Eps:
// Eps g/||g||_2 under l2, Eps sign(g) under l-infinity. PGD starts at x
// (no random start: the runs are deterministic) and takes Steps steps of
// size StepSize, each followed by the projection onto the ball of radius
// Eps around x. A point whose gradient is zero is left where it is.
//
// Restarts > 0 (PGD only) runs that many more attacks from uniformly
// random points of the ball (seeded by Seed) and keeps, per point, the
// perturbation with the lowest margin y f: a check that the attack from
// x is not fooled by flat regions of the model.
type Attack struct {
	Method   string  `json:"method"`
	Norm     string  `json:"norm"`
	Eps      float64 `json:"eps"`
	Steps    int     `json:"steps,omitempty"`
	StepSize float64 `json:"step_size,omitempty"`
	Restarts int     `json:"restarts,omitempty"`
	Seed     uint64  `json:"seed,omitempty"`
}

// DefaultPGDSteps is the number of PGD steps when Steps is 0.
const DefaultPGDSteps = 10

// Complete fills PGD's defaults: 10 steps of 2.5 Eps/Steps.
func (a Attack) Complete() Attack {
	if a.Method == PGD {
		if a.Steps == 0 {
			a.Steps = DefaultPGDSteps
		}
		if a.StepSize == 0 {
			a.StepSize = 2.5 * a.Eps / float64(a.Steps)
		}
	}
	return a
}

// Validate checks the attack.
func (a Attack) Validate() error {
	switch {
	case a.Method != FGM && a.Method != PGD:
		return fmt.Errorf("%w: attack method %q, want %q or %q", ErrConfig, a.Method, FGM, PGD)
	case a.Norm != L2 && a.Norm != LInf:
		return fmt.Errorf("%w: attack norm %q, want %q or %q", ErrConfig, a.Norm, L2, LInf)
	case !(a.Eps >= 0) || math.IsInf(a.Eps, 0):
		return fmt.Errorf("%w: attack radius %v, want a finite value >= 0", ErrConfig, a.Eps)
	case a.Steps < 0 || a.Steps > 1000 || a.Restarts < 0 || a.Restarts > 100:
		return fmt.Errorf("%w: %d PGD steps and %d restarts, want 0..1000 and 0..100", ErrConfig, a.Steps, a.Restarts)
	}
	return nil
}

// String is e.g. "pgd-l2(0.5)".
func (a Attack) String() string { return fmt.Sprintf("%s-%s(%g)", a.Method, a.Norm, a.Eps) }

// Perturb returns the attacked copy of rows points x with labels y (±1).
func (a Attack) Perturb(m Model, x, y []float64, rows int) []float64 {
	a = a.Complete()
	adv := a.from(m, x, x, y, rows)
	if a.Method != PGD || a.Restarts == 0 || a.Eps == 0 {
		return adv
	}
	d := m.Dim()
	best := m.Scores(adv, rows)
	rng := rand.New(rand.NewPCG(a.Seed, 0x7265737461727473))
	start := make([]float64, len(x))
	for range a.Restarts {
		for t := range rows {
			randomInBall(rng, start[t*d:(t+1)*d], x[t*d:(t+1)*d], a.Eps, a.Norm)
		}
		cand := a.from(m, x, start, y, rows)
		f := m.Scores(cand, rows)
		for t := range rows {
			if y[t]*f[t] < y[t]*best[t] {
				best[t] = f[t]
				copy(adv[t*d:(t+1)*d], cand[t*d:(t+1)*d])
			}
		}
	}
	return adv
}

// randomInBall sets p to a uniformly random point of the ball of radius
// eps around x0.
func randomInBall(rng *rand.Rand, p, x0 []float64, eps float64, norm string) {
	if norm == LInf {
		for i := range p {
			p[i] = x0[i] + eps*(2*rng.Float64()-1)
		}
		return
	}
	ss := 0.0
	for i := range p {
		p[i] = rng.NormFloat64()
		ss += p[i] * p[i]
	}
	r := eps * math.Pow(rng.Float64(), 1/float64(len(p))) / math.Sqrt(ss)
	for i := range p {
		p[i] = x0[i] + r*p[i]
	}
}

// from runs the attack around x starting at start.
func (a Attack) from(m Model, x, start, y []float64, rows int) []float64 {
	d := m.Dim()
	adv := append([]float64(nil), start...)
	if a.Eps == 0 {
		return adv
	}
	r := make([]float64, rows)
	for t := range r {
		r[t] = -y[t]
	}
	steps, size := 1, a.Eps
	if a.Method == PGD {
		steps, size = a.Steps, a.StepSize
	}
	for range steps {
		g := m.InputGrad(adv, rows, r)
		for t := range rows {
			gt, at, xt := g[t*d:(t+1)*d], adv[t*d:(t+1)*d], x[t*d:(t+1)*d]
			step(at, gt, size, a.Norm)
			project(at, xt, a.Eps, a.Norm)
		}
	}
	return adv
}

// step moves x by size along the normalised g (float64 for the attacks
// of evaluation, float32 for those of training, net32).
func step[T float32 | float64](x, g []T, size T, norm string) {
	if norm == LInf {
		for i, v := range g {
			switch {
			case v > 0:
				x[i] += size
			case v < 0:
				x[i] -= size
			}
		}
		return
	}
	n := norm2(g)
	if n == 0 {
		return
	}
	for i, v := range g {
		x[i] += size * v / T(n)
	}
}

// project maps x into the ball of radius eps around x0.
func project[T float32 | float64](x, x0 []T, eps T, norm string) {
	if norm == LInf {
		for i := range x {
			x[i] = x0[i] + max(-eps, min(eps, x[i]-x0[i]))
		}
		return
	}
	ss := 0.0
	for i := range x {
		e := float64(x[i] - x0[i])
		ss += e * e
	}
	if n := math.Sqrt(ss); n > float64(eps) {
		s := T(float64(eps) / n)
		for i := range x {
			x[i] = x0[i] + s*(x[i]-x0[i])
		}
	}
}

// Accuracy is the fraction of points with y f(x) > 0.
func Accuracy(m Model, x, y []float64, rows int) float64 {
	f := m.Scores(x, rows)
	ok := 0
	for t, v := range f {
		if y[t]*v > 0 {
			ok++
		}
	}
	return float64(ok) / float64(rows)
}

// RobustAccuracy is the accuracy on the points perturbed by a, computed in
// blocks of 512 points.
func RobustAccuracy(m Model, a Attack, x, y []float64, rows int) float64 {
	d := m.Dim()
	ok := 0
	for lo := 0; lo < rows; lo += 512 {
		hi := min(rows, lo+512)
		adv := a.Perturb(m, x[lo*d:hi*d], y[lo:hi], hi-lo)
		for t, v := range m.Scores(adv, hi-lo) {
			if y[lo+t]*v > 0 {
				ok++
			}
		}
	}
	return float64(ok) / float64(rows)
}

// blas64Gemm is C (m x n) = A (m x k) B (k x n), all row-major.
func blas64Gemm(m, k, n int, a, b, c []float64) {
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, gen(m, k, a), gen(k, n, b), 0, gen(m, n, c))
}
