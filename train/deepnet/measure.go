package deepnet

import "math"

// convFloor is the fraction of the first recorded loss below which points
// are left out of the convergence fit (float64 round-off dominates there).
const convFloor = 1e-10

// ConvRate fits ln(loss) = a - rate * step by least squares over the
// points at step >= from whose loss is above convFloor times the first
// one, and returns the rate and the fit's R^2 (NaN with fewer than two
// points).
func ConvRate(steps []int, loss []float64, from int) (rate, r2 float64) {
	if len(loss) == 0 {
		return math.NaN(), math.NaN()
	}
	var xs, ys []float64
	for i, v := range loss {
		if steps[i] >= from && v > convFloor*loss[0] && v > 0 && !math.IsInf(v, 0) {
			xs, ys = append(xs, float64(steps[i])), append(ys, math.Log(v))
		}
	}
	if len(xs) < 2 {
		return math.NaN(), math.NaN()
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(xs))
	var sxx, sxy, syy float64
	for i := range xs {
		sxx += (xs[i] - mx) * (xs[i] - mx)
		sxy += (xs[i] - mx) * (ys[i] - my)
		syy += (ys[i] - my) * (ys[i] - my)
	}
	if sxx == 0 {
		return math.NaN(), math.NaN()
	}
	slope := sxy / sxx
	r2 = 1.0
	if syy > 0 {
		r2 = sxy * sxy / (sxx * syy)
	}
	return -slope, r2
}

// relChange is ||a - b|| / ||b|| over the pairs of slices.
func relChange(a, b [][]float64) float64 {
	var num, den float64
	for i := range a {
		for j, v := range a[i] {
			d := v - b[i][j]
			num += d * d
			den += b[i][j] * b[i][j]
		}
	}
	return math.Sqrt(num / den)
}

// patternChange is the fraction of hidden pre-activations (the Z of every
// layer but the last) whose sign (z > 0) differs between s and s0.
func patternChange(s, s0 *state) float64 {
	changed, total := 0, 0
	for l := 0; l < len(s.Z)-1; l++ {
		for i, z := range s.Z[l] {
			if (z > 0) != (s0.Z[l][i] > 0) {
				changed++
			}
			total++
		}
	}
	if total == 0 {
		return 0
	}
	return float64(changed) / float64(total)
}
