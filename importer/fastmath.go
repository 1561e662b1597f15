package importer

import "math"

// exp32 is e^x in float32 to about 2 ulp (range reduction to
// |r| <= ln2/2, then a degree-6 polynomial): the exponentials of softmax
// and GELU, where math.Exp in float64 cost more than the matrix products
// around them.
func exp32(x float32) float32 {
	switch {
	case x > 88.72:
		return float32(math.Inf(1))
	case x < -87.33:
		return 0
	case x != x:
		return x
	}
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375
		ln2lo = -2.12194440e-4
	)
	// Round x·log2(e) to the nearest integer n by adding 1.5·2²³: the
	// sum's low mantissa bits are then n (no call to math.Floor).
	const magic = 12582912
	t := x*log2e + magic
	n := t - magic
	r := x - n*ln2hi - n*ln2lo
	p := 1 + r*(1+r*(0.5+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits(uint32(int32(math.Float32bits(t)-0x4B400000)+127)<<23)
}

// sigmoid32 is 1/(1+e^-x) in float32 through exp32, written so that the
// exponential never overflows: efficientnet's and regnet's SiLU and
// squeeze-excitation gates, where math.Exp in float64 took half the time.
func sigmoid32(x float32) float32 {
	if x >= 0 {
		return 1 / (1 + exp32(-x))
	}
	e := exp32(x)
	return e / (1 + e)
}

// erf32 is erf(x) in float32 to about 5e-7 absolute (Abramowitz and
// Stegun 7.1.26 with exp32).
func erf32(x float32) float32 {
	s := float32(1)
	if x < 0 {
		s, x = -1, -x
	}
	t := 1 / (1 + 0.3275911*x)
	y := 1 - t*(0.254829592+t*(-0.284496736+t*(1.421413741+t*(-1.453152027+t*1.061405429))))*exp32(-x*x)
	return s * y
}
