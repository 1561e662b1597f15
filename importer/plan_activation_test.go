package importer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// fuseTol bounds |fused - unfused| relative to max(1, |unfused|): the
// same functions on the same values, but a row's last n%8 elements take
// the vec loops' scalar tails (no FMA, float64 exp) where the unfused
// node ran them in the vector body; measured 1-2 ulp (1.2e-7).
const fuseTol = 1e-6

// TestFuseActivations checks that HardSwish, HardSigmoid, Sigmoid, Clip
// with constant limits and SiLU (Sigmoid and Mul) after a convolution are merged into it on every
// convolution kernel (1x1 at batch 1 and 2, depthwise, 3x3, 1x1 over one
// pixel, BLAS im2col), and that the fused plan's output matches the
// unfused one's to within fuseTol; and that an activation whose input has
// another reader is not fused.
func TestFuseActivations(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	convs := []struct {
		name             string
		N, C, H, M, K, g int
		opt              SessionOptions
	}{
		{"pointwise", 1, 8, 7, 24, 1, 1, SessionOptions{}},
		{"pointwise batch 2", 2, 8, 7, 24, 1, 1, SessionOptions{}},
		{"depthwise 3x3", 2, 8, 9, 8, 3, 8, SessionOptions{}},
		{"depthwise 5x5", 1, 4, 11, 4, 5, 4, SessionOptions{}},
		{"3x3", 1, 5, 9, 16, 3, 1, SessionOptions{}},
		{"one pixel", 2, 12, 1, 6, 1, 1, SessionOptions{}},
		{"im2col", 2, 5, 9, 16, 3, 1, SessionOptions{BLASConv: true, NoShiftedConv: true}},
	}
	acts := []struct {
		name  string
		nodes []*onnxpb.NodeProto
		inits []*onnxpb.TensorProto // the activation's constants
	}{
		{"HardSwish", []*onnxpb.NodeProto{node("HardSwish", []string{"c"}, []string{"y"})}, nil},
		{"HardSigmoid", []*onnxpb.NodeProto{node("HardSigmoid", []string{"c"}, []string{"y"}, aFloat("alpha", 0.3), aFloat("beta", 0.4))}, nil},
		{"Sigmoid", []*onnxpb.NodeProto{node("Sigmoid", []string{"c"}, []string{"y"})}, nil},
		{"SiLU", []*onnxpb.NodeProto{node("Sigmoid", []string{"c"}, []string{"s"}), node("Mul", []string{"c", "s"}, []string{"y"})}, nil},
		{"SiLU, operands swapped", []*onnxpb.NodeProto{node("Sigmoid", []string{"c"}, []string{"s"}), node("Mul", []string{"s", "c"}, []string{"y"})}, nil},
		{"Clip (ReLU6)", []*onnxpb.NodeProto{node("Clip", []string{"c", "lo", "hi"}, []string{"y"})},
			[]*onnxpb.TensorProto{floatInit("lo", []float32{0}), floatInit("hi", []float32{0.5})}},
		{"Clip, upper limit only", []*onnxpb.NodeProto{node("Clip", []string{"c", "", "hi"}, []string{"y"})},
			[]*onnxpb.TensorProto{floatInit("hi", []float32{-0.25})}},
	}
	for _, c := range convs {
		for _, a := range acts {
			t.Run(c.name+"/"+a.name, func(t *testing.T) {
				pad := int64(c.K / 2)
				nodes := append([]*onnxpb.NodeProto{node("Conv", []string{"x", "w", "b"}, []string{"c"},
					aInts("pads", pad, pad, pad, pad), aInt("group", int64(c.g)))}, a.nodes...)
				inits := []*onnxpb.TensorProto{
					floatInit("w", randF(r, c.M*c.C/c.g*c.K*c.K), int64(c.M), int64(c.C/c.g), int64(c.K), int64(c.K)),
					floatInit("b", randF(r, c.M), int64(c.M))}
				inits = append(inits, a.inits...)
				b := model(17, nodes, inits, []*onnxpb.ValueInfoProto{vinfo("x", onnxpb.TensorProto_FLOAT, -1, int64(c.C), int64(c.H), int64(c.H))},
					[]*onnxpb.ValueInfoProto{vinfo("y", onnxpb.TensorProto_FLOAT, -1, int64(c.M), int64(c.H), int64(c.H))})
				x := &Tensor{DType: Float32, Shape: []int{c.N, c.C, c.H, c.H}, F: randF(r, c.N*c.C*c.H*c.H)}
				fused, unfused := planBoth(t, b, x, c.opt)
				if len(fused.steps) != 1 {
					t.Errorf("fused plan has %d steps, want 1", len(fused.steps))
				}
				if len(unfused.steps) != len(nodes) { // what gradient plans run
					t.Errorf("unfused plan has %d steps, want %d", len(unfused.steps), len(nodes))
				}
				got, want := runOnce(t, fused, x), runOnce(t, unfused, x)
				for i := range want {
					if d := math.Abs(float64(got[i] - want[i])); d > fuseTol*math.Max(1, math.Abs(float64(want[i]))) {
						t.Fatalf("element %d: fused %v, unfused %v", i, got[i], want[i])
					}
				}
			})
		}
	}
	t.Run("convolution output read twice", func(t *testing.T) {
		nodes := []*onnxpb.NodeProto{
			node("Conv", []string{"x", "w"}, []string{"c"}),
			node("HardSwish", []string{"c"}, []string{"h"}),
			node("Add", []string{"c", "h"}, []string{"y"}),
		}
		b := model(17, nodes, []*onnxpb.TensorProto{floatInit("w", randF(r, 4*3), 4, 3, 1, 1)},
			[]*onnxpb.ValueInfoProto{vinfo("x", onnxpb.TensorProto_FLOAT, 1, 3, 5, 5)},
			[]*onnxpb.ValueInfoProto{vinfo("y", onnxpb.TensorProto_FLOAT, 1, 4, 5, 5)})
		x := &Tensor{DType: Float32, Shape: []int{1, 3, 5, 5}, F: randF(r, 75)}
		fused, _ := planBoth(t, b, x, SessionOptions{})
		if len(fused.steps) != 3 {
			t.Errorf("plan has %d steps, want 3 (nothing fused)", len(fused.steps))
		}
	})
}

// planBoth loads model b and plans it for x with and without the
// inference fusions.
func planBoth(t *testing.T, b []byte, x *Tensor, opt SessionOptions) (fused, unfused *plan) {
	t.Helper()
	m, err := LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	env := &buildEnv{opt: opt}
	if fused, err = m.buildPlan([]*Tensor{x}, true, env); err != nil {
		t.Fatal(err)
	}
	if unfused, err = m.buildPlan([]*Tensor{x}, false, env); err != nil {
		t.Fatal(err)
	}
	return fused, unfused
}

// runOnce runs plan p on x and returns its first output's data.
func runOnce(t *testing.T, p *plan, x *Tensor) []float32 {
	t.Helper()
	out, err := p.run(p.newWorkspace(), []*Tensor{x})
	if err != nil {
		t.Fatal(fmt.Errorf("run: %w", err))
	}
	return out[0].F
}
