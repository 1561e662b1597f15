package kernel_test

import (
	"fmt"
	"math"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// Fit a polynomial kernel to y = x0*x1 on a grid of points and predict a
// new point.
func ExampleFit() {
	x := kernel.NewMatrix(25, 2)
	var y []float64
	for i := 0; i < 25; i++ {
		a, b := float64(i%5)-2, float64(i/5)-2
		x.Data[2*i], x.Data[2*i+1] = a, b
		y = append(y, a*b)
	}
	k, err := kernel.Parse("poly:2", 0)
	if err != nil {
		panic(err)
	}
	train := &concept.Dataset{Task: concept.TaskRegression, N: x.Rows, D: x.Cols, X: x.Data, Y: y}
	res, err := kernel.Fit(k, train, kernel.Options{Ridge: 1e-9})
	if err != nil {
		panic(err)
	}
	pred, err := res.Predictor.Predict(kernel.Matrix{Rows: 1, Cols: 2, Data: []float64{0.5, 3}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: f(0.5, 3) = %.4f\n", k, math.Round(pred.Data[0]*1e4)/1e4)
	// Output: poly:2: f(0.5, 3) = 1.5000
}
