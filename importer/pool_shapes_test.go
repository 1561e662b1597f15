package importer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// TestMaxPoolRandomShapes checks 2-D MaxPool over random sizes, kernels,
// strides, dilations, asymmetric pads and ceil_mode (ResNet's 3x3 stride-2
// window among them) against a direct maximum, NaNs included: the result
// must be the same bits.
func TestMaxPoolRandomShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for i := 0; i < 300; i++ {
		N, C, H, W := 1+r.IntN(2), 1+r.IntN(4), 1+r.IntN(40), 1+r.IntN(40)
		var k, s, d, pb, pe [2]int
		for j := 0; j < 2; j++ {
			k[j], s[j], d[j] = 1+r.IntN(4), 1+r.IntN(3), 1
			if r.IntN(4) == 0 {
				d[j] = 2
			}
			pb[j], pe[j] = r.IntN(k[j]), r.IntN(k[j]) // pads smaller than the kernel
		}
		if r.IntN(3) == 0 {
			k, s, d, pb, pe = [2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}
		}
		ceil := r.IntN(3) == 0
		size := func(j, in int) int {
			span := in + pb[j] + pe[j] - (d[j]*(k[j]-1) + 1)
			if span < 0 {
				return 0
			}
			if !ceil {
				return span/s[j] + 1
			}
			out := (span+s[j]-1)/s[j] + 1
			if (out-1)*s[j] >= in+pb[j] {
				out--
			}
			return out
		}
		OH, OW := size(0, H), size(1, W)
		if OH < 1 || OW < 1 {
			continue
		}
		x := gridValues(r, N*C*H*W, 0.1, 1, true)
		for j := range x {
			if r.IntN(50) == 0 {
				x[j] = float32(math.NaN())
			}
		}
		want := make([]float32, N*C*OH*OW)
		for p := 0; p < N*C; p++ {
			for oh := 0; oh < OH; oh++ {
				for ow := 0; ow < OW; ow++ {
					m := float32(math.Inf(-1))
					for a := 0; a < k[0]; a++ {
						for b := 0; b < k[1]; b++ {
							ih, iw := oh*s[0]-pb[0]+a*d[0], ow*s[1]-pb[1]+b*d[1]
							if ih >= 0 && ih < H && iw >= 0 && iw < W {
								m = max(m, x[(p*H+ih)*W+iw])
							}
						}
					}
					want[(p*OH+oh)*OW+ow] = m
				}
			}
		}
		attrs := []*onnxpb.AttributeProto{aInts("kernel_shape", int64(k[0]), int64(k[1])), aInts("strides", int64(s[0]), int64(s[1])),
			aInts("dilations", int64(d[0]), int64(d[1])), aInts("pads", int64(pb[0]), int64(pb[1]), int64(pe[0]), int64(pe[1]))}
		if ceil {
			attrs = append(attrs, aInt("ceil_mode", 1))
		}
		name := fmt.Sprintf("%d_%dx%dx%dx%d_k%v_s%v_d%v_p%v%v_ceil%v", i, N, C, H, W, k, s, d, pb, pe, ceil)
		m, err := LoadBytes(model(13, []*onnxpb.NodeProto{node("MaxPool", []string{"x"}, []string{"y"}, attrs...)}, nil,
			[]*onnxpb.ValueInfoProto{vinfo("x", onnxpb.TensorProto_FLOAT, int64(N), int64(C), int64(H), int64(W))},
			[]*onnxpb.ValueInfoProto{vinfo("y", onnxpb.TensorProto_FLOAT, int64(N), int64(C), int64(OH), int64(OW))}))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out, err := NewSession(m).Run(map[string]*Tensor{"x": {DType: Float32, Shape: []int{N, C, H, W}, F: x}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := out["y"]
		if !sameShape(got.Shape, []int{N, C, OH, OW}) {
			t.Fatalf("%s: shape %v, want %v", name, got.Shape, []int{N, C, OH, OW})
		}
		for j, v := range got.F {
			if math.Float32bits(v) != math.Float32bits(want[j]) && !(v != v && want[j] != want[j]) {
				t.Fatalf("%s: element %d: got %v, want %v", name, j, v, want[j])
			}
		}
	}
}
