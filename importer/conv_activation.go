package importer

import "github.com/hierlearn/hierlearn/internal/numeric/vec"

// activation is an element-wise function that a convolution applies to
// its output as it stores it: the HardSwish, HardSigmoid, Sigmoid,
// SiLU (Sigmoid and Mul of the same value), Clip (with constant limits:
// ReLU6) or Relu node that followed it, merged into it at plan time
// (fuseActivations). The zero value is the identity.
type activation struct {
	op          string  // "", "Relu", "HardSigmoid", "HardSwish", "Sigmoid", "SiLU" or "Clip"
	alpha, beta float32 // HardSigmoid's; Clip's lower and upper limit
}

// reluIf is the ReLU activation when relu, else the identity.
func reluIf(relu bool) activation {
	if relu {
		return activation{op: "Relu"}
	}
	return activation{}
}

// apply sets dst = a(src); dst and src have the same length and may be
// the same slice. The results are those of the operators' own kernels
// (vec.HardSigmoid, vec.Sigmoid, vec.SiLU as Sigmoid then Mul, vec.Clip,
// relu32).
func (a activation) apply(dst, src []float32) {
	switch a.op {
	case "Relu":
		vec.ReLU(dst, src)
	case "HardSigmoid":
		vec.HardSigmoid(dst, src, a.alpha, a.beta, false)
	case "HardSwish":
		vec.HardSigmoid(dst, src, 1.0/6, 0.5, true)
	case "Sigmoid":
		vec.Sigmoid(dst, src)
	case "SiLU":
		vec.SiLU(dst, src)
	case "Clip":
		vec.Clip(dst, src, a.alpha, a.beta)
	default:
		copy(dst, src)
	}
}

// postActivation returns k followed by a applied in place to its output
// 0, split over workers in blocks of actBlock floats: for the
// convolutions that have no activation in their own store.
func postActivation(k *kernel, a activation, workers int) *kernel {
	return &kernel{scratch: k.scratch, run: func(in, out []*Tensor, sc []float32) {
		k.run(in, out, sc)
		y := out[0].F
		blocks := (len(y) + actBlock - 1) / actBlock
		parallel(workers, blocks, len(y) >= minSplitCopy, func(_, lo, hi int) {
			part := y[lo*actBlock : min(len(y), hi*actBlock)]
			a.apply(part, part)
		})
	}}
}

// actBlock is the unit in which postActivation splits its work (32 KB).
const actBlock = 8192
