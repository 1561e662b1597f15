package importer

import "github.com/hierlearn/hierlearn/internal/numeric/vec"

// hardSigmoidKernel returns HardSigmoid's or HardSwish's forward kernel
// in float32 on vec.HardSigmoid (vectorised: MobileNetV3 runs one after
// most of its convolutions), nil for other operators. mathFns keeps the
// float64 form that the gradient uses.
func hardSigmoidKernel(n *Node) *kernel {
	var alpha, beta float32
	switch n.Op {
	case "HardSwish":
		alpha, beta = 1.0/6, 0.5
	case "HardSigmoid":
		alpha, beta = n.attrFloat("alpha", 0.2), n.attrFloat("beta", 0.5)
	default:
		return nil
	}
	swish := n.Op == "HardSwish"
	return &kernel{run: func(in, out []*Tensor, _ []float32) {
		vec.HardSigmoid(out[0].F, in[0].F, alpha, beta, swish)
	}}
}
