package robust

import (
	"fmt"
	"math"
)

// ExactRobustAccuracy is the accuracy of the linear model under the worst
// perturbation of norm at most eps, in closed form: the worst
// perturbation moves y f(x) = y (<w, x> + b) down by eps times the dual
// norm of w (eps ||w||_1 under l-infinity, at delta = -eps y sign(w);
// eps ||w||_2 under l2, at delta = -eps y w / ||w||_2), so a point
// survives exactly when y f(x) > eps ||w||_*. No attack can do better;
// PGD and FGM reach this worst case on a linear model (the tests check
// it), so the curves of a linear model are exact, not estimates.
func (l *Linear) ExactRobustAccuracy(norm string, eps float64, x, y []float64, rows int) (float64, error) {
	if !(eps >= 0) || math.IsInf(eps, 0) {
		return 0, fmt.Errorf("%w: radius %v, want a finite value >= 0", ErrConfig, eps)
	}
	var dual float64
	switch norm {
	case LInf:
		for _, w := range l.W {
			dual += math.Abs(w)
		}
	case L2:
		for _, w := range l.W {
			dual += w * w
		}
		dual = math.Sqrt(dual)
	default:
		return 0, fmt.Errorf("%w: norm %q, want %q or %q", ErrConfig, norm, L2, LInf)
	}
	ok := 0
	for t, v := range l.Scores(x, rows) {
		if y[t]*v-eps*dual > 0 {
			ok++
		}
	}
	return float64(ok) / float64(rows), nil
}

// L1Ratio is ||w||_1 / (sqrt(d) ||w||_2), how spread w is over the input
// coordinates: about sqrt(2/pi) = 0.80 for a dense random direction such
// as M w* (the Bayes direction of the sparse-coding data), 1/sqrt(d) for
// a single coordinate; 0 for w = 0. An l-infinity perturbation of radius
// eps moves a linear model by eps ||w||_1, so l-infinity adversarial
// training pays off by lowering it, at the cost of clean accuracy.
func (l *Linear) L1Ratio() float64 {
	var l1, l2 float64
	for _, w := range l.W {
		l1 += math.Abs(w)
		l2 += w * w
	}
	if l2 == 0 {
		return 0
	}
	return l1 / math.Sqrt(float64(len(l.W))*l2)
}
