package deepnet

import (
	"math"
	"math/rand/v2"
	"testing"
)

// gradTol bounds the relative error of backpropagated gradients against
// central differences (step 1e-6 in float64): 1e-8 .. 3e-7 measured.
const gradTol = 1e-5

func randInputs(rows, d int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float64, rows*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// TestGradientsFiniteDifference checks backward against central
// differences of the loss sum(g_i f_i) in every parameterisation.
func TestGradientsFiniteDifference(t *testing.T) {
	for _, tc := range []struct {
		param        string
		depth, width int
	}{
		{Standard, 2, 5}, {NTK, 2, 5}, {MeanField, 2, 5},
		{Standard, 3, 4}, {NTK, 4, 3}, {MeanField, 6, 3},
	} {
		t.Run(tc.param, func(t *testing.T) {
			const rows, d = 4, 3
			net := NewNet(Config{Param: tc.param, Depth: tc.depth, Width: tc.width, Seed: 3}, d)
			x := randInputs(rows, d, 1)
			g := []float64{0.3, -1.1, 0.7, 2.0}
			loss := func() float64 {
				var s float64
				for i, f := range net.Predict(x, rows) {
					s += g[i] * f
				}
				return s
			}
			grads := make([][]float64, tc.depth)
			for l, ly := range net.Layers {
				grads[l] = make([]float64, len(ly.W))
			}
			net.backward(net.forward(x, rows), g, grads, false)
			const h = 1e-6
			for l, ly := range net.Layers {
				for i := range ly.W {
					w := ly.W[i]
					ly.W[i] = w + h
					up := loss()
					ly.W[i] = w - h
					down := loss()
					ly.W[i] = w
					fd := (up - down) / (2 * h)
					if err := math.Abs(fd - grads[l][i]); err > gradTol*max(1, math.Abs(fd)) {
						t.Fatalf("depth %d layer %d weight %d: backprop %.10g, finite difference %.10g", tc.depth, l, i, grads[l][i], fd)
					}
				}
			}
		})
	}
}

// TestKernelIsGradientInnerProduct checks the layerwise NTK formula
// against inner products of per-point gradients from backward.
func TestKernelIsGradientInnerProduct(t *testing.T) {
	const rows, d = 5, 4
	for _, param := range []string{Standard, NTK, MeanField} {
		net := NewNet(Config{Param: param, Depth: 3, Width: 6, Seed: 2}, d)
		x := randInputs(rows, d, 2)
		tg, _ := net.tangents(x, rows)
		k := net.kernel(tg, tg)
		per := make([][]float64, rows) // flattened gradient of f at each point
		for i := range rows {
			grads := make([][]float64, len(net.Layers))
			for l, ly := range net.Layers {
				grads[l] = make([]float64, len(ly.W))
			}
			net.backward(net.forward(x[i*d:(i+1)*d], 1), []float64{1}, grads, false)
			for _, gl := range grads {
				per[i] = append(per[i], gl...)
			}
		}
		for i := range rows {
			for j := range rows {
				var want float64
				for p := range per[i] {
					want += per[i][p] * per[j][p]
				}
				if math.Abs(k[i*rows+j]-want) > 1e-12*max(1, math.Abs(want)) {
					t.Fatalf("%s: K[%d][%d] = %.15g, gradient inner product %.15g", param, i, j, k[i*rows+j], want)
				}
			}
		}
	}
}

// TestInitScale checks each parameterisation's forward multipliers and
// weight scale: c_l W_l has entries of variance s_l/n_l except the
// mean-field output layer (1/m^2 * 1).
func TestInitScale(t *testing.T) {
	const d, m = 50, 400
	for _, tc := range []struct {
		param  string
		layer  int
		wantSD float64 // of c_l * W_l entries
	}{
		{Standard, 0, math.Sqrt(2.0 / d)}, {NTK, 0, math.Sqrt(2.0 / d)}, {MeanField, 0, math.Sqrt(2.0 / d)},
		{Standard, 1, math.Sqrt(2.0 / m)}, {NTK, 1, math.Sqrt(2.0 / m)},
		{Standard, 2, math.Sqrt(1.0 / m)}, {NTK, 2, math.Sqrt(1.0 / m)}, {MeanField, 2, 1.0 / m},
	} {
		ly := NewNet(Config{Param: tc.param, Depth: 3, Width: m, Seed: 1}, d).Layers[tc.layer]
		var ss float64
		for _, w := range ly.W {
			ss += ly.C * w * ly.C * w
		}
		sd := math.Sqrt(ss / float64(len(ly.W)))
		// The sample SD of k normals is off by about 1/sqrt(2k): 5 of those.
		if tol := 5 / math.Sqrt(2*float64(len(ly.W))); math.Abs(sd/tc.wantSD-1) > tol {
			t.Errorf("%s layer %d: SD %.4g, want %.4g (relative tolerance %.2g)", tc.param, tc.layer, sd, tc.wantSD, tol)
		}
	}
}
