package importer

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// bnFoldTol bounds max|got - want| / max|want| for Conv+BatchNormalization
// +Relu against a float64 reference: measured 1e-7 to 1.6e-7 (folded, on
// every convolution path) and 1.9e-7 (NoFold) on an AMD EPYC. Folding
// without epsilon is off by far more (variances of 1 to 5 epsilons).
const bnFoldTol = 2e-6

// TestConvBatchNormFolding checks Conv(+bias)+BatchNormalization+Relu with
// variances close to epsilon, so that epsilon matters, folded at load time
// on the default and BLAS convolution paths and kept as a node (NoFold),
// against a float64 reference; once with an explicit epsilon and once with
// the default 1e-5.
func TestConvBatchNormFolding(t *testing.T) {
	const N, C, H, W, M = 2, 3, 9, 9, 4
	r := rand.New(rand.NewPCG(11, 12))
	x := gridValues(r, N*C*H*W, -1, 1, true)
	w := gridValues(r, M*C*9, -1, 1, true)
	cb := gridValues(r, M, -1, 1, true)
	scale := gridValues(r, M, 0.5, 1.5, true)
	shift := gridValues(r, M, -1, 1, true)
	mean := gridValues(r, M, -0.5, 0.5, true)
	for _, c := range []struct {
		name   string
		eps    float32 // 0: no attribute (ONNX default 1e-5)
		varLo  float64
		varHi  float64
		useEps float64
	}{
		{"epsilon 1e-3", 1e-3, 1e-3, 5e-3, 1e-3},
		{"default epsilon", 0, 1e-5, 5e-5, 1e-5},
	} {
		variance := gridValues(r, M, c.varLo, c.varHi, false)
		conv, _, _ := naiveConv(x, N, C, H, W, w, M, 3, 3, cb, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, false)
		want := make([]float64, len(conv))
		for i, v := range conv {
			m := (i / (H * W)) % M
			y := float64(scale[m])*(float64(v)-float64(mean[m]))/math.Sqrt(float64(variance[m])+c.useEps) + float64(shift[m])
			want[i] = math.Max(y, 0)
		}
		var bnAttrs []*onnxpb.AttributeProto
		if c.eps != 0 {
			bnAttrs = append(bnAttrs, aFloat("epsilon", c.eps))
		}
		nodes := []*onnxpb.NodeProto{
			node("Conv", []string{"x", "w", "cb"}, []string{"c"}, aInts("pads", 1, 1, 1, 1)),
			node("BatchNormalization", []string{"c", "s", "b", "m", "v"}, []string{"bn"}, bnAttrs...),
			node("Relu", []string{"bn"}, []string{"y"}),
		}
		inits := []*onnxpb.TensorProto{floatInit("w", w, M, C, 3, 3), floatInit("cb", cb, M),
			floatInit("s", scale, M), floatInit("b", shift, M), floatInit("m", mean, M), floatInit("v", variance, M)}
		b := model(13, nodes, inits, []*onnxpb.ValueInfoProto{vinfo("x", onnxpb.TensorProto_FLOAT, -1, C, H, W)},
			[]*onnxpb.ValueInfoProto{vinfo("y", onnxpb.TensorProto_FLOAT, -1, M, H, W)})
		folded, err := LoadBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, ex := folded.OpCounts(); ex["BatchNormalization"] != 0 || ex["Relu"] != 0 {
			t.Errorf("%s: BatchNormalization or Relu not folded: %v", c.name, ex)
		}
		kept, err := LoadBytesWith(b, LoadOptions{NoFold: true})
		if err != nil {
			t.Fatal(err)
		}
		feeds := map[string]*Tensor{"x": {DType: Float32, Shape: []int{N, C, H, W}, F: x}}
		for _, run := range []struct {
			name string
			m    *Model
			opt  SessionOptions
		}{
			{"folded", folded, SessionOptions{}},
			{"folded, BLAS", folded, SessionOptions{BLASConv: true}},
			{"folded, BLAS im2col", folded, SessionOptions{BLASConv: true, NoShiftedConv: true}},
			{"NoFold", kept, SessionOptions{}},
		} {
			out, err := NewSessionWith(run.m, run.opt).Run(feeds)
			if err != nil {
				t.Fatal(err)
			}
			var d, s float64
			for i, v := range out["y"].F {
				d = math.Max(d, math.Abs(float64(v)-want[i]))
				s = math.Max(s, math.Abs(want[i]))
			}
			t.Logf("%s, %s: max rel diff %.2g", c.name, run.name, d/s)
			if d > bnFoldTol*s {
				t.Errorf("%s, %s: max|diff| %.3g > %g * max|want| (%.3g)", c.name, run.name, d, bnFoldTol, s)
			}
		}
	}
}
