package importer

import (
	"math/rand/v2"
	"testing"

	onnxpb "github.com/hierlearn/hierlearn/internal/onnxpb"
)

// TestBackwardParams checks that BackwardParams returns exactly
// Backward's param gradients and no input gradient, on a Conv whose
// input gradient it skips (the first convolution of a training step).
func TestBackwardParams(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	b := model(13, []*onnxpb.NodeProto{node("Conv", []string{"X", "W", "B"}, []string{"c"}, aInts("pads", 1, 1, 1, 1)), node("Relu", []string{"c"}, []string{"Y"})},
		[]*onnxpb.TensorProto{fi(r, "W", false, 4, 3, 3, 3), fi(r, "B", false, 4)},
		[]*onnxpb.ValueInfoProto{vinfo("X", onnxpb.TensorProto_FLOAT, 2, 3, 6, 6)}, outInfo("Y"))
	m, err := LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	gs, err := NewGradSession(m, "W", "B")
	if err != nil {
		t.Fatal(err)
	}
	x := &Tensor{DType: Float32, Shape: []int{2, 3, 6, 6}, F: make([]float32, 2*3*36)}
	for i := range x.F {
		x.F[i] = float32(r.NormFloat64())
	}
	tape, err := gs.Forward(map[string]*Tensor{"X": x})
	if err != nil {
		t.Fatal(err)
	}
	y, _ := tape.Output("Y")
	seed := &Tensor{DType: Float32, Shape: y.Shape, F: make([]float32, len(y.F))}
	for i := range seed.F {
		seed.F[i] = float32(r.NormFloat64())
	}
	all, err := tape.Backward(map[string]*Tensor{"Y": seed})
	if err != nil {
		t.Fatal(err)
	}
	params, err := tape.BackwardParams(map[string]*Tensor{"Y": seed})
	if err != nil {
		t.Fatal(err)
	}
	if len(params.Inputs) != 0 || len(all.Inputs) != 1 {
		t.Fatalf("input gradients: BackwardParams %d, Backward %d; want 0 and 1", len(params.Inputs), len(all.Inputs))
	}
	for _, name := range []string{"W", "B"} {
		want, got := all.Params[name], params.Params[name]
		if got == nil || len(got.F) != len(want.F) {
			t.Fatalf("%s: got %v, want %v", name, got, want)
		}
		for i, v := range want.F {
			if got.F[i] != v {
				t.Fatalf("%s[%d]: BackwardParams %v, Backward %v", name, i, got.F[i], v)
			}
		}
	}
}
