package importer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// TestGemmConstantB checks Gemm with a constant B (the packed path on
// AVX-512 CPUs) against a direct product: transB, alpha, beta, C of every
// broadcast shape, fused ReLU, and batch sizes around the packed panels.
func TestGemmConstantB(t *testing.T) {
	type cs struct {
		M, K, N     int
		tb, relu    bool
		alpha, beta float32
		cShape      []int64 // nil: no C
	}
	cases := []cs{
		{1, 512, 1000, true, false, 1, 1, []int64{1000}},
		{8, 64, 10, true, false, 1, 1, []int64{10}},
		{3, 17, 40, false, true, 0.5, 2, []int64{3, 40}},
		{9, 33, 65, true, true, 1, 0.25, []int64{1, 65}},
		{16, 5, 7, false, false, 2, 1, []int64{16, 1}},
		{2, 8, 32, true, false, 1, 1, nil},
		{5, 300, 31, false, true, -1, 1, []int64{}},
	}
	r := rand.New(rand.NewPCG(9, 10))
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			a := gridValues(r, c.M*c.K, -1, 1, true)
			bv := gridValues(r, c.K*c.N, -1, 1, true)
			bDims := []int64{int64(c.K), int64(c.N)}
			if c.tb {
				bDims = []int64{int64(c.N), int64(c.K)}
			}
			inputs := []string{"a", "b"}
			inits := []*onnxpb.TensorProto{floatInit("b", bv, bDims...)}
			var cv []float32
			if c.cShape != nil {
				n := 1
				for _, d := range c.cShape {
					n *= int(d)
				}
				cv = gridValues(r, n, -1, 1, true)
				inputs = append(inputs, "c")
				inits = append(inits, floatInit("c", cv, c.cShape...))
			}
			want := make([]float32, c.M*c.N)
			for m := 0; m < c.M; m++ {
				for j := 0; j < c.N; j++ {
					var s float64
					for k := 0; k < c.K; k++ {
						bkj := bv[k*c.N+j]
						if c.tb {
							bkj = bv[j*c.K+k]
						}
						s += float64(a[m*c.K+k]) * float64(bkj)
					}
					s *= float64(c.alpha)
					if cv != nil {
						ci := 0
						switch len(c.cShape) {
						case 1:
							ci = j
						case 2:
							ci = (m%int(c.cShape[0]))*int(c.cShape[1]) + j%int(c.cShape[1])
						}
						s += float64(c.beta) * float64(cv[ci])
					}
					if c.relu {
						s = max(s, 0)
					}
					want[m*c.N+j] = float32(s)
				}
			}
			nodes := []*onnxpb.NodeProto{node("Gemm", inputs, []string{"y"}, aInt("transB", map[bool]int64{true: 1}[c.tb]),
				aFloat("alpha", c.alpha), aFloat("beta", c.beta))}
			if c.relu {
				nodes[0].Output = []string{"z"}
				nodes = append(nodes, node("Relu", []string{"z"}, []string{"y"}))
			}
			m, err := LoadBytes(model(13, nodes, inits,
				[]*onnxpb.ValueInfoProto{vinfo("a", onnxpb.TensorProto_FLOAT, int64(c.M), int64(c.K))},
				[]*onnxpb.ValueInfoProto{vinfo("y", onnxpb.TensorProto_FLOAT, int64(c.M), int64(c.N))}))
			if err != nil {
				t.Fatal(err)
			}
			// The default (packed where AVX-512 allows) and the BLAS path.
			for _, opt := range []SessionOptions{{}, {BLASConv: true}} {
				out, err := NewSessionWith(m, opt).Run(map[string]*Tensor{"a": {DType: Float32, Shape: []int{c.M, c.K}, F: a}})
				if err != nil {
					t.Fatal(err)
				}
				got := out["y"].F
				for j := range want {
					if math.Abs(float64(got[j]-want[j])) > 1e-4*(1+math.Abs(float64(want[j]))) {
						t.Fatalf("%+v: element %d: got %v, want %v", opt, j, got[j], want[j])
					}
				}
			}
		})
	}
}
