package export_test

import (
	"fmt"
	"os"

	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/export"
)

// A two-node graph y = relu(x W), built, checked and listed.
func ExampleNewGraph() {
	g := export.NewGraph("tiny")
	g.SetOpset(13)
	x := g.Input("x", dtype.Float32, export.Batch, 2)
	w := export.Initializer(g, "W", []float32{1, 0, 0, -1}, 2, 2)
	h := g.Node("MatMul", "xW", []string{x, w})
	y := g.Node("Relu", "y", []string{h})
	g.Output(y, dtype.Float32, "", export.Batch, 2)
	m, err := g.Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	export.Dump(os.Stdout, m)

	// A graph that uses an undefined value is refused.
	bad := export.NewGraph("bad")
	bad.Output(bad.Node("Relu", "y", []string{"x"}), dtype.Float32, "", export.Batch)
	_, err = bad.Build()
	fmt.Println(err)
	// Output:
	// ir_version 7, producer hierlearn
	// opset ai.onnx 13
	// graph tiny
	// input x float32[N,2]
	// init W float32[2,2] = [1 0 0 -1] sumsq 2
	// node xW: MatMul(x, W) -> xW
	// node y: Relu(xW) -> y
	// output y float32[N,2]
	// graph "bad": node 0 (Relu "y"): input "x" is not defined
}
