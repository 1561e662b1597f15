// Command export_and_validate trains a small HNet, exports it to ONNX
// (opset 17), imports the file with hierlearn's importer and checks that
// the imported model reproduces the Go model's predictions. Run the file
// through onnxruntime too with `hierlearn validate model.onnx`.
//
//	go run ./examples/export_and_validate [-o model.onnx]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/export"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/train"
)

func main() {
	out := flag.String("o", "model.onnx", "where to write the ONNX file")
	flag.Parse()
	runDir, err := os.MkdirTemp("", "hierlearn-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(runDir)
	if _, err := run(os.Stdout, runDir, *out); err != nil {
		log.Fatal(err)
	}
}

// run trains into runDir, exports to onnxPath and returns the largest
// difference between the imported model and the Go model, relative to the
// largest prediction.
func run(w io.Writer, runDir, onnxPath string) (float64, error) {
	c, err := concept.New(concept.DefaultSpec())
	if err != nil {
		return 0, err
	}
	trainSet, err := c.Sample(2000, 2)
	if err != nil {
		return 0, err
	}
	testSet, err := c.Sample(1000, 3)
	if err != nil {
		return 0, err
	}
	cfg := train.DefaultConfig()
	cfg.StepsPerStage = 500
	if _, err := train.Run(context.Background(), cfg, trainSet, testSet, train.Options{OutDir: runDir}); err != nil {
		return 0, err
	}
	// Export the run directory (model.json, config.json, metrics.json).
	model, err := export.Run(runDir, 17)
	if err != nil {
		return 0, err
	}
	if err := export.WriteModel(onnxPath, model); err != nil {
		return 0, err
	}
	fmt.Fprintf(w, "wrote %s\n", filepath.Clean(onnxPath))

	// Import it again and compare with the Go model on the test set.
	m, err := importer.Load(onnxPath)
	if err != nil {
		return 0, err
	}
	x := make([]float32, len(testSet.X))
	for i, v := range testSet.X {
		x[i] = float32(v)
	}
	xt, err := importer.NewFloat32(x, testSet.N, testSet.D)
	if err != nil {
		return 0, err
	}
	outs, err := importer.NewSession(m).Run(map[string]*importer.Tensor{"x": xt})
	if err != nil {
		return 0, err
	}
	goModel, err := train.LoadModel(runDir)
	if err != nil {
		return 0, err
	}
	want, err := goModel.Predict(testSet.X)
	if err != nil {
		return 0, err
	}
	var diff, scale float64
	for i, v := range outs["y"].F {
		diff = math.Max(diff, math.Abs(float64(v)-want[i]))
		scale = math.Max(scale, math.Abs(want[i]))
	}
	fmt.Fprintf(w, "imported model vs Go model on %d test points: max |diff| / max |y| = %.2g\n", testSet.N, diff/scale)
	return diff / scale, nil
}
