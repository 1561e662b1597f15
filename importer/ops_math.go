package importer

import (
	"fmt"
	"math"
)

// mathFn is an elementwise float function with its derivative, both
// computed in float64: df takes the input x and the output y = f(x).
type mathFn struct {
	f, df func(x, y float64) float64
}

// mathFns returns the function a unary math node computes (its
// attributes read), nil for an operator that is not one of them.
func mathFns(n *Node) *mathFn {
	alpha := func(def float32) float64 { return float64(n.attrFloat("alpha", def)) }
	zero := func(x, y float64) float64 { return 0 }
	switch n.Op {
	case "Elu":
		a := alpha(1)
		return &mathFn{func(x, _ float64) float64 {
			if x < 0 {
				return a * (math.Exp(x) - 1)
			}
			return x
		}, func(x, y float64) float64 {
			if x < 0 {
				return y + a
			}
			return 1
		}}
	case "Selu":
		a, g := alpha(1.67326319217681884765625), float64(n.attrFloat("gamma", 1.05070102214813232421875))
		return &mathFn{func(x, _ float64) float64 {
			if x <= 0 {
				return g * a * (math.Exp(x) - 1)
			}
			return g * x
		}, func(x, y float64) float64 {
			if x <= 0 {
				return g * a * math.Exp(x)
			}
			return g
		}}
	case "Celu":
		a := alpha(1)
		return &mathFn{func(x, _ float64) float64 {
			return math.Max(0, x) + math.Min(0, a*(math.Exp(x/a)-1))
		}, func(x, y float64) float64 {
			if x < 0 {
				return math.Exp(x / a)
			}
			return 1
		}}
	case "HardSigmoid", "HardSwish":
		a, b := alpha(0.2), float64(n.attrFloat("beta", 0.5))
		swish := n.Op == "HardSwish"
		if swish {
			a, b = 1.0/6, 0.5
		}
		return &mathFn{func(x, _ float64) float64 {
			v := math.Max(0, math.Min(1, a*x+b))
			if swish {
				return x * v
			}
			return v
		}, func(x, y float64) float64 {
			v := a*x + b
			inside := v > 0 && v < 1
			switch {
			case swish && inside:
				return v + a*x
			case swish && v >= 1:
				return 1
			case inside:
				return a
			}
			return 0
		}}
	case "Swish":
		a := alpha(1)
		return &mathFn{func(x, _ float64) float64 { return x * sigmoid(a*x) }, func(x, _ float64) float64 {
			s := sigmoid(a * x)
			return s + a*x*s*(1-s)
		}}
	case "Softplus":
		return &mathFn{func(x, _ float64) float64 { return softplus(x) }, func(x, _ float64) float64 { return sigmoid(x) }}
	case "Softsign":
		return &mathFn{func(x, _ float64) float64 { return x / (1 + math.Abs(x)) },
			func(x, _ float64) float64 { d := 1 + math.Abs(x); return 1 / (d * d) }}
	case "ThresholdedRelu":
		a := alpha(1)
		return &mathFn{func(x, _ float64) float64 {
			if x > a {
				return x
			}
			return 0
		}, func(x, _ float64) float64 {
			if x > a {
				return 1
			}
			return 0
		}}
	case "Mish":
		return &mathFn{func(x, _ float64) float64 { return x * math.Tanh(softplus(x)) }, func(x, _ float64) float64 {
			t := math.Tanh(softplus(x))
			return t + x*(1-t*t)*sigmoid(x)
		}}
	case "Gelu":
		if n.attrString("approximate", "none") == "tanh" {
			c := math.Sqrt(2 / math.Pi)
			return &mathFn{func(x, _ float64) float64 {
				return 0.5 * x * (1 + math.Tanh(c*(x+0.044715*x*x*x)))
			}, func(x, _ float64) float64 {
				t := math.Tanh(c * (x + 0.044715*x*x*x))
				return 0.5*(1+t) + 0.5*x*(1-t*t)*c*(1+3*0.044715*x*x)
			}}
		}
		return &mathFn{func(x, _ float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }, func(x, _ float64) float64 {
			return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
		}}
	case "Erf":
		return &mathFn{func(x, _ float64) float64 { return math.Erf(x) },
			func(x, _ float64) float64 { return 2 / math.Sqrt(math.Pi) * math.Exp(-x*x) }}
	case "Reciprocal":
		return &mathFn{func(x, _ float64) float64 { return 1 / x }, func(_, y float64) float64 { return -y * y }}
	case "Floor":
		return &mathFn{func(x, _ float64) float64 { return math.Floor(x) }, zero}
	case "Ceil":
		return &mathFn{func(x, _ float64) float64 { return math.Ceil(x) }, zero}
	case "Round":
		return &mathFn{func(x, _ float64) float64 { return math.RoundToEven(x) }, zero}
	case "Sign":
		return &mathFn{func(x, _ float64) float64 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return x // 0, or NaN
		}, zero}
	case "Shrink":
		l, b := float64(n.attrFloat("lambd", 0.5)), float64(n.attrFloat("bias", 0))
		return &mathFn{func(x, _ float64) float64 {
			switch {
			case x < -l:
				return x + b
			case x > l:
				return x - b
			}
			return 0
		}, func(x, _ float64) float64 {
			if x < -l || x > l {
				return 1
			}
			return 0
		}}
	case "Sin":
		return &mathFn{func(x, _ float64) float64 { return math.Sin(x) }, func(x, _ float64) float64 { return math.Cos(x) }}
	case "Cos":
		return &mathFn{func(x, _ float64) float64 { return math.Cos(x) }, func(x, _ float64) float64 { return -math.Sin(x) }}
	case "Tan":
		return &mathFn{func(x, _ float64) float64 { return math.Tan(x) }, func(_, y float64) float64 { return 1 + y*y }}
	case "Asin":
		return &mathFn{func(x, _ float64) float64 { return math.Asin(x) }, func(x, _ float64) float64 { return 1 / math.Sqrt(1-x*x) }}
	case "Acos":
		return &mathFn{func(x, _ float64) float64 { return math.Acos(x) }, func(x, _ float64) float64 { return -1 / math.Sqrt(1-x*x) }}
	case "Atan":
		return &mathFn{func(x, _ float64) float64 { return math.Atan(x) }, func(x, _ float64) float64 { return 1 / (1 + x*x) }}
	case "Sinh":
		return &mathFn{func(x, _ float64) float64 { return math.Sinh(x) }, func(x, _ float64) float64 { return math.Cosh(x) }}
	case "Cosh":
		return &mathFn{func(x, _ float64) float64 { return math.Cosh(x) }, func(x, _ float64) float64 { return math.Sinh(x) }}
	case "Asinh":
		return &mathFn{func(x, _ float64) float64 { return math.Asinh(x) }, func(x, _ float64) float64 { return 1 / math.Sqrt(x*x+1) }}
	case "Acosh":
		return &mathFn{func(x, _ float64) float64 { return math.Acosh(x) }, func(x, _ float64) float64 { return 1 / math.Sqrt(x*x-1) }}
	case "Atanh":
		return &mathFn{func(x, _ float64) float64 { return math.Atanh(x) }, func(x, _ float64) float64 { return 1 / (1 - x*x) }}
	}
	return nil
}

func softplus(x float64) float64 {
	if x > 30 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// buildMath handles the float32 elementwise functions of mathFns.
func buildMath(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0); err != nil {
		return nil, nil, err
	}
	fn := mathFns(n)
	if fn == nil {
		return nil, nil, fmt.Errorf("no elementwise function %s", n.Op)
	}
	if k := hardSigmoidKernel(n); k != nil {
		return []*info{{dt: Float32, shape: in[0].shape}}, k, nil
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		d := out[0].F
		for i, v := range in[0].F {
			d[i] = float32(fn.f(float64(v), 0))
		}
	}}
	return []*info{{dt: Float32, shape: in[0].shape}}, k, nil
}

// backMath multiplies the output gradient by the function's derivative.
func backMath(c *backCtx) error {
	gx := c.gin[0]
	if gx == nil {
		return nil
	}
	fn := mathFns(c.n)
	x, y := c.in[0].F, c.out[0].F
	for i, g := range c.gout[0] {
		gx[i] += g * float32(fn.df(float64(x[i]), float64(y[i])))
	}
	return nil
}

// buildPredicate handles IsNaN, IsInf (float32 in, bool out) and Not
// (bool in and out).
func buildPredicate(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 1); err != nil {
		return nil, nil, err
	}
	want := Float32
	if n.Op == "Not" {
		want = Bool
	}
	if in[0].dt != want {
		return nil, nil, fmt.Errorf("%w: input is %v, want %v", ErrUnsupported, in[0].dt, want)
	}
	neg, pos := n.attrInt("detect_negative", 1) != 0, n.attrInt("detect_positive", 1) != 0
	var test func(v float32) bool
	switch n.Op {
	case "IsNaN":
		test = func(v float32) bool { return v != v }
	case "IsInf":
		test = func(v float32) bool { return (pos && math.IsInf(float64(v), 1)) || (neg && math.IsInf(float64(v), -1)) }
	}
	k := &kernel{run: func(in, out []*Tensor, _ []float32) {
		o := out[0].I
		if test == nil { // Not
			for i, v := range in[0].I {
				o[i] = 1 - v
			}
			return
		}
		for i, v := range in[0].F {
			o[i] = 0
			if test(v) {
				o[i] = 1
			}
		}
	}}
	return []*info{{dt: Bool, shape: in[0].shape}}, k, nil
}
