package importer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// TestPlainSteps checks stepsRun (the plain steps of an LSTM, a GRU
// with linear_before_reset and an RNN, split over two workers where the
// recurrent product is big enough) against the general step loop, which
// runs when the node has a clip: one of 1e30 changes nothing else. Both
// directions, sequence_lens and initial states; batch 1 (matrix-vector
// products on packed Rᵀ), 3 and 8 (the sgemm kernels on packed Rᵀ);
// hidden 8 (BLAS: not a whole panel).
func TestPlainSteps(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const T, I = 6, 5
	for _, op := range []string{"LSTM", "GRU", "RNN"} {
		for _, c := range []struct{ B, H int }{{1, 128}, {1, 256}, {3, 128}, {8, 64}, {2, 8}} {
			t.Run(fmt.Sprintf("%s/B%d_H%d", op, c.B, c.H), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(c.B), uint64(c.H)))
				x := make([]float32, T*c.B*I)
				for i := range x {
					x[i] = float32(r.NormFloat64())
				}
				net := newRNNNet(op, 2, I, c.H, 2)
				net.p = nil
				// torch's initialisation, U(±1/√H): newRNNNet's U(±0.5)
				// makes a wide net chaotic, amplifying the last bits of
				// its activations step after step.
				for i := range net.r {
					net.r[i] *= 2 / float32(math.Sqrt(float64(c.H)))
				}
				net.lens = make([]int64, c.B)
				for b := range net.lens {
					net.lens[b] = []int64{T, 3, 0}[b%3]
				}
				net.h0 = make([]float32, 2*c.B*c.H)
				for i := range net.h0 {
					net.h0[i] = float32(r.Float64() - 0.5)
				}
				outs := []string{"Y", "Y_h"}
				if op == "LSTM" {
					net.c0 = make([]float32, 2*c.B*c.H)
					for i := range net.c0 {
						net.c0[i] = float32(r.Float64() - 0.5)
					}
					outs = append(outs, "Y_c")
				}
				var attrs []*onnxpb.AttributeProto
				if op == "GRU" {
					attrs = append(attrs, aInt("linear_before_reset", 1))
				}
				got, err := net.run(t, x, []int{T, c.B, I}, attrs...)
				if err != nil {
					t.Fatal(err)
				}
				want, err := net.run(t, x, []int{T, c.B, I}, append(attrs, aFloat("clip", 1e30))...)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range outs {
					d := maxAbsDiff(got[o].F, want[o].F)
					t.Logf("%s: max|diff| %.3g", o, d)
					if d > rnnSelfTol {
						t.Errorf("%s: max|diff| %.3g > %g", o, d, rnnSelfTol)
					}
				}
			})
		}
	}
}

// TestLSTMPackedMatchesBLAS checks an LSTM big enough for its input
// projections and steps to be split over two workers (sequence 40, batch
// 1 and 8, input and hidden 64), on the sgemm kernels with the packed Wᵀ
// and Rᵀ, against the same session options with BLAS products
// (BLASConv): the split, the chunks of the projections, the packed h of
// each step at batch 8 and the matrix-vector products of sgemm.PackedRow
// at batch 1.
func TestLSTMPackedMatchesBLAS(t *testing.T) {
	if !sgemm.Available() {
		t.Skip("no sgemm kernels on this kernel path")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, B := range []int{1, 8} {
		t.Run(fmt.Sprintf("B%d", B), func(t *testing.T) { testLSTMPackedMatchesBLAS(t, B) })
	}
}

func testLSTMPackedMatchesBLAS(t *testing.T, B int) {
	const T, I, H = 40, 64, 64
	net := newRNNNet("LSTM", 1, I, H, 3)
	net.p = nil
	m, err := LoadBytes(model(14, []*onnxpb.NodeProto{node("LSTM", []string{"X", "W", "R", "B"}, []string{"Y", "Y_h"}, aInt("hidden_size", H))},
		[]*onnxpb.TensorProto{floatInit("W", net.w, 1, 4*H, I), floatInit("R", net.r, 1, 4*H, H), floatInit("B", net.b, 1, 8*H)},
		[]*onnxpb.ValueInfoProto{vinfo("X", onnxpb.TensorProto_FLOAT, T, int64(B), I)},
		[]*onnxpb.ValueInfoProto{vinfo("Y", onnxpb.TensorProto_FLOAT), vinfo("Y_h", onnxpb.TensorProto_FLOAT)}))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(4, 5))
	x := make([]float32, T*B*I)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	in := map[string]*Tensor{"X": {DType: Float32, Shape: []int{T, B, I}, F: x}}
	got, err := NewSession(m).Run(in)
	if err != nil {
		t.Fatal(err)
	}
	want, err := NewSessionWith(m, SessionOptions{BLASConv: true}).Run(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"Y", "Y_h"} {
		d := maxAbsDiff(got[o].F, want[o].F)
		t.Logf("%s: max|diff| %.3g", o, d)
		if d > lstmPackedTol {
			t.Errorf("%s: max|diff| %.3g > %g", o, d, lstmPackedTol)
		}
	}
}

// lstmPackedTol bounds the difference between an LSTM on the sgemm
// kernels and on BLAS (sums in another order, through 40 steps).
// Measured 4.8e-7 (AMD EPYC, AVX-512); reading the projections of one
// row too few gives 0.78.
const lstmPackedTol = 5e-6
