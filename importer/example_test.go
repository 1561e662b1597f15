package importer_test

import (
	"fmt"
	"log"

	"github.com/hierlearn/hierlearn/importer"
)

// Load a PyTorch export once, then run it on any batch size.
func ExampleSession_Run() {
	m, err := importer.Load("../testdata/importer/tiny_cnn.onnx")
	if err != nil {
		log.Fatal(err)
	}
	sess := importer.NewSession(m) // safe for concurrent Run calls
	for _, batch := range []int{1, 4} {
		x, _ := importer.NewFloat32(make([]float32, batch*3*16*16), batch, 3, 16, 16)
		out, err := sess.Run(map[string]*importer.Tensor{"input": x})
		if err != nil {
			log.Fatal(err)
		}
		p := out["probs"]
		var sum float32
		for _, v := range p.F[:5] {
			sum += v
		}
		fmt.Printf("%v %.3f\n", p.Shape, sum)
	}
	// Output:
	// [1 5] 1.000
	// [4 5] 1.000
}
