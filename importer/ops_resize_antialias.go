package importer

import "math"

// antialiasTaps returns the taps of input coordinate xi on an axis of
// length n for Resize with antialias=1 when the axis shrinks (scale < 1):
// the linear (triangle) or cubic filter stretched by 1/scale, as in ONNX's
// reference. The taps lie at floor(xi)+k for k in [start, 2-start) (start
// = floor(-support/scale)+1, support 1 for linear and 2 for cubic), their
// weights filter((k-t)·scale) normalised to sum 1, with t = xi-floor(xi).
// Neighbours past the edges read the edge or, with exclude, are dropped
// (and the weights normalised again).
func antialiasTaps(xi float64, n int, mode string, scale, a float64, exclude bool) []tap {
	support := 1.0
	filter := func(x float64) float64 { return math.Max(0, 1-math.Abs(x)) }
	if mode == "cubic" {
		support = 2
		filter = func(x float64) float64 { return cubicWeight(x, a) }
	}
	i0 := math.Floor(xi)
	t := xi - i0
	start := int(math.Floor(-support/scale)) + 1
	taps := make([]tap, 0, 2-2*start)
	sum := 0.0
	for k := start; k < 2-start; k++ {
		w := filter((float64(k) - t) * scale)
		sum += w
		i := int(i0) + k
		if exclude && (i < 0 || i >= n) {
			continue
		}
		taps = append(taps, tap{min(max(i, 0), n-1), w})
	}
	if exclude {
		sum = 0
		for _, tp := range taps {
			sum += tp.w
		}
	}
	if sum != 0 {
		for k := range taps {
			taps[k].w /= sum
		}
	}
	return taps
}

// cubicWeight is the cubic convolution kernel with coefficient a at x.
func cubicWeight(x, a float64) float64 {
	x = math.Abs(x)
	switch {
	case x <= 1:
		return ((a+2)*x-(a+3))*x*x + 1
	case x < 2:
		return ((a*x-5*a)*x+8*a)*x - 4*a
	}
	return 0
}
