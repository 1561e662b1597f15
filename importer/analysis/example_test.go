package analysis_test

import (
	"fmt"
	"log"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/importer/analysis"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// The empirical NTK of an imported model as a kernel for train/kernel.
func ExampleNTKGram() {
	m, err := importer.LoadWith("../../testdata/importer/tiny_cnn.onnx", importer.LoadOptions{NoFold: true})
	if err != nil {
		log.Fatal(err)
	}
	// Output 0 of "probs", gradients with respect to every initializer.
	g, err := analysis.NTKGram(m, "probs", "", 0)
	if err != nil {
		log.Fatal(err)
	}
	x := kernel.NewMatrix(3, 3*16*16)
	for i := range x.Data {
		x.Data[i] = float64(i%7) - 3
	}
	K := make([]float64, 9)
	if err := g.Gram(x, x, K); err != nil {
		log.Fatal(err)
	}
	fmt.Println(g, K[1] == K[3], K[0] > 0)
	// Output:
	// empirical-ntk(probs[0]) true true
}
