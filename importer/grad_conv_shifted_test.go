package importer

import (
	"math"
	"math/rand/v2"
	"testing"

	onnxpb "github.com/hierlearn/hierlearn/internal/onnxpb"
)

// shiftedBackTol bounds the relative difference between the shifted-GEMM
// and the im2col Conv backward (the same sums in another order; measured
// at most 4e-7).
const shiftedBackTol = 1e-5

// TestConvBackShiftedMatchesIm2col compares backConvShifted with the
// im2col backward on batches split into several chunks and workers.
func TestConvBackShiftedMatchesIm2col(t *testing.T) {
	cases := []struct {
		name   string
		x, w   []int64
		attrs  []*onnxpb.AttributeProto
		chunkF int // shiftedBackFloats for the case
	}{
		{"3x3 pad 1, one chunk", []int64{4, 3, 8, 8}, []int64{5, 3, 3, 3}, []*onnxpb.AttributeProto{aInts("pads", 1, 1, 1, 1)}, 1 << 21},
		{"3x3 pad 1, chunks of 2", []int64{5, 3, 8, 8}, []int64{5, 3, 3, 3}, []*onnxpb.AttributeProto{aInts("pads", 1, 1, 1, 1)}, 2 * 8 * 103},
		{"3x3 pad 1, 16 to 18 channels (whole and partial TapDot tiles)", []int64{3, 16, 8, 8}, []int64{18, 16, 3, 3}, []*onnxpb.AttributeProto{aInts("pads", 1, 1, 1, 1)}, 1 << 21},
		{"2x3 asymmetric pads, chunks of 1", []int64{3, 2, 6, 5}, []int64{4, 2, 2, 3}, []*onnxpb.AttributeProto{aInts("pads", 0, 2, 1, 0)}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 6))
			b := model(13, []*onnxpb.NodeProto{node("Conv", []string{"X", "W", "B"}, []string{"Y"}, c.attrs...)},
				[]*onnxpb.TensorProto{fi(r, "W", false, c.w...), fi(r, "B", false, c.w[0])},
				[]*onnxpb.ValueInfoProto{vinfo("X", onnxpb.TensorProto_FLOAT, c.x...)}, outInfo("Y"))
			m, err := LoadBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			shape := make([]int, len(c.x))
			for i, d := range c.x {
				shape[i] = int(d)
			}
			x := &Tensor{DType: Float32, Shape: shape, F: make([]float32, numel(shape))}
			for i := range x.F {
				x.F[i] = float32(r.NormFloat64())
			}
			grads := func(im2col bool) *Grads {
				defer func(v bool, n int) { gradConvIm2col, shiftedBackFloats = v, n }(gradConvIm2col, shiftedBackFloats)
				gradConvIm2col, shiftedBackFloats = im2col, c.chunkF
				gs, err := NewGradSession(m, "W", "B")
				if err != nil {
					t.Fatal(err)
				}
				tape, err := gs.Forward(map[string]*Tensor{"X": x})
				if err != nil {
					t.Fatal(err)
				}
				y, _ := tape.Output("Y")
				seed := &Tensor{DType: Float32, Shape: y.Shape, F: make([]float32, len(y.F))}
				rs := rand.New(rand.NewPCG(7, 8))
				for i := range seed.F {
					seed.F[i] = float32(rs.NormFloat64())
				}
				g, err := tape.Backward(map[string]*Tensor{"Y": seed})
				if err != nil {
					t.Fatal(err)
				}
				return g
			}
			want, got := grads(true), grads(false)
			for name, pair := range map[string][2]*Tensor{"X": {want.Inputs["X"], got.Inputs["X"]},
				"W": {want.Params["W"], got.Params["W"]}, "B": {want.Params["B"], got.Params["B"]}} {
				var worst, scale float64
				for i, v := range pair[0].F {
					worst = math.Max(worst, math.Abs(float64(pair[1].F[i]-v)))
					scale = math.Max(scale, math.Abs(float64(v)))
				}
				if worst > shiftedBackTol*scale {
					t.Errorf("d%s: shifted and im2col differ by %.3g (largest value %.3g)", name, worst, scale)
				}
			}
		})
	}
}
