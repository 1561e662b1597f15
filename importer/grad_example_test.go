package importer_test

import (
	"fmt"
	"log"
	"math"

	"github.com/hierlearn/hierlearn/importer"
)

// Differentiate an imported model with respect to its input and its
// initializers. The model ends in Softmax: the gradient of the sum of
// the probabilities (always 1) is zero, that of one probability is not.
func ExampleGradSession() {
	m, err := importer.LoadWith("../testdata/importer/tiny_cnn.onnx", importer.LoadOptions{NoFold: true})
	if err != nil {
		log.Fatal(err)
	}
	gs, err := importer.NewGradSession(m, m.FloatInitializers()...)
	if err != nil {
		log.Fatal(err)
	}
	x, _ := importer.NewFloat32(make([]float32, 2*3*16*16), 2, 3, 16, 16)
	for i := range x.F {
		x.F[i] = float32(math.Sin(float64(i)))
	}
	tape, err := gs.Forward(map[string]*importer.Tensor{"input": x})
	if err != nil {
		log.Fatal(err)
	}
	for _, class := range []int{-1, 0} {
		seed, _ := importer.NewFloat32(make([]float32, 2*5), 2, 5)
		for i := range seed.F {
			if class < 0 || i%5 == class {
				seed.F[i] = 1
			}
		}
		g, err := tape.Backward(map[string]*importer.Tensor{"probs": seed})
		if err != nil {
			log.Fatal(err)
		}
		maxAbs := 0.0
		for _, t := range append([]*importer.Tensor{g.Inputs["input"]}, paramGrads(g)...) {
			for _, v := range t.F {
				maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
			}
		}
		fmt.Printf("class %d: input gradient %v, %d param gradients, all below 1e-6: %v\n",
			class, g.Inputs["input"].Shape, len(g.Params), maxAbs < 1e-6)
	}
	// Output:
	// class -1: input gradient [2 3 16 16], 9 param gradients, all below 1e-6: true
	// class 0: input gradient [2 3 16 16], 9 param gradients, all below 1e-6: false
}

func paramGrads(g *importer.Grads) []*importer.Tensor {
	var out []*importer.Tensor
	for _, t := range g.Params {
		out = append(out, t)
	}
	return out
}
