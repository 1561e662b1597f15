package train

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// RelMSE is the mean squared error of pred against y divided by the
// population variance of y (divide by n).
func RelMSE(pred, y []float64) float64 {
	n := float64(len(y))
	var mean float64
	for _, v := range y {
		mean += v
	}
	mean /= n
	var mse, vr float64
	for i, v := range y {
		e := pred[i] - v
		mse += e * e
		vr += (v - mean) * (v - mean)
	}
	return mse / vr
}

// ZeroOneError is the fraction of points whose sign(pred) differs from the
// label y (-1 or +1); pred = 0 counts as +1.
func ZeroOneError(pred, y []float64) float64 {
	wrong := 0
	for i, p := range pred {
		lab := 1.0
		if p < 0 {
			lab = -1
		}
		if lab != y[i] {
			wrong++
		}
	}
	return float64(wrong) / float64(len(y))
}

// FeatureErrors maps a layer l to its feature error e_l after a stage; in
// JSON an object keyed by the layer number ({"2": e_2, "3": e_3}).
type FeatureErrors map[int]float64

// FeatureError is e = min over (A, c) of ||A S + c - S*||^2 / ||S*||^2,
// the least-squares fit with intercept of the concept's features S* (n x
// kStar, row-major) by the learned features S (n x k), computed by QR.
func FeatureError(s []float64, k int, star []float64, kStar int) (float64, error) {
	if k < 1 || kStar < 1 || len(s)%k != 0 || len(star)%kStar != 0 || len(s)/k != len(star)/kStar {
		return 0, fmt.Errorf("feature error: learned features %d values / width %d and concept features %d values / width %d do not match", len(s), k, len(star), kStar)
	}
	n := len(s) / k
	if n <= k+1 {
		return 0, fmt.Errorf("feature error: %d points for %d features", n, k)
	}
	a := mat.NewDense(n, k+1, nil)
	for r := 0; r < n; r++ {
		for c := 0; c < k; c++ {
			a.Set(r, c, s[r*k+c])
		}
		a.Set(r, k, 1)
	}
	b := mat.NewDense(n, kStar, append([]float64(nil), star...))
	var w mat.Dense
	// An ill-conditioned design (collapsed features) still has a
	// least-squares solution; mat reports it as a Condition, not a failure.
	var cond mat.Condition
	if err := w.Solve(a, b); err != nil && !errors.As(err, &cond) {
		return 0, fmt.Errorf("feature error: least squares: %w", err)
	}
	var fit mat.Dense
	fit.Mul(a, &w)
	var res, tot float64
	for r := 0; r < n; r++ {
		for c := 0; c < kStar; c++ {
			e := fit.At(r, c) - star[r*kStar+c]
			res += e * e
			tot += star[r*kStar+c] * star[r*kStar+c]
		}
	}
	return res / tot, nil
}
