package deepnet_test

import (
	"fmt"

	"github.com/hierlearn/hierlearn/train/deepnet"
)

// The infinite-width NTK of a one-hidden-layer ReLU network on two
// orthogonal unit vectors in d=2: Theta(x, x) = 2|x|^2/d = 1, and at 90
// degrees only the output layer's term 1/(2 pi) is left.
func ExampleAnalyticNTK() {
	x := []float64{1, 0, 0, 1}
	lim, err := deepnet.AnalyticNTK(2, 2, x, 2, x, 2)
	if err != nil {
		panic(err)
	}
	fmt.Printf("NTK %.4f %.4f, NNGP %.4f %.4f\n", lim.Theta[0], lim.Theta[1], lim.NNGP[0], lim.NNGP[1])
	// Output: NTK 1.0000 0.1592, NNGP 0.5000 0.1592
}
