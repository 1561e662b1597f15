package importer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// TestMatMulPaths checks MatMul against a float64 product on every path
// of buildMatMul: B constant or an input, with and without batch
// dimensions on either side, broadcast batches, 1-D operands, sizes
// around sgemm's 8x32 panels, few columns (split by rows) and many,
// at one and two workers, and on the BLAS path (SessionOptions.BLASConv).
// Measured: at most 6.5e-7 relative to the largest output; allowed 1e-5.
func TestMatMulPaths(t *testing.T) {
	const tol = 1e-5
	cases := []struct {
		a, b   []int
		bConst bool
	}{
		{[]int{2, 7, 64}, []int{64, 48}, true},          // Linear on [batch, seq, hidden]
		{[]int{3, 40, 33}, []int{33, 8}, true},          // few columns: split by rows
		{[]int{1, 1, 768}, []int{768, 100}, true},       // one row
		{[]int{2, 3, 9, 16}, []int{2, 3, 16, 9}, false}, // Q·Kᵀ per head
		{[]int{2, 1, 5, 6}, []int{4, 6, 35}, false},     // broadcast batch both ways
		{[]int{4, 17, 12}, []int{12, 70}, false},        // B an input shared by the batch
		{[]int{5}, []int{3, 5, 2}, false},               // 1-D A
		{[]int{2, 4, 6}, []int{6}, true},                // 1-D B
		{[]int{0, 4, 6}, []int{6, 3}, true},             // empty batch
	}
	r := rand.New(rand.NewPCG(11, 12))
	for i, c := range cases {
		for _, opt := range []SessionOptions{{}, {NoSplitGemm: true}, {BLASConv: true}} {
			t.Run(fmt.Sprintf("%d/%v×%v/%+v", i, c.a, c.b, opt), func(t *testing.T) {
				av := gridValues(r, numel(c.a), -1, 1, true)
				bv := gridValues(r, numel(c.b), -1, 1, true)
				inits := []*onnxpb.TensorProto{}
				ins := []*onnxpb.ValueInfoProto{vinfo("a", onnxpb.TensorProto_FLOAT, toInt64s(c.a)...)}
				if c.bConst {
					inits = append(inits, floatInit("b", bv, toInt64s(c.b)...))
				} else {
					ins = append(ins, vinfo("b", onnxpb.TensorProto_FLOAT, toInt64s(c.b)...))
				}
				m, err := LoadBytes(model(13, []*onnxpb.NodeProto{node("MatMul", []string{"a", "b"}, []string{"y"})}, inits, ins, outInfo("y")))
				if err != nil {
					t.Fatal(err)
				}
				in := map[string]*Tensor{"a": {DType: Float32, Shape: c.a, F: av}}
				if !c.bConst {
					in["b"] = &Tensor{DType: Float32, Shape: c.b, F: bv}
				}
				got, err := NewSessionWith(m, opt).Run(in)
				if err != nil {
					t.Fatal(err)
				}
				want := naiveMatMul(c.a, av, c.b, bv)
				if len(got["y"].F) != len(want) {
					t.Fatalf("%d values, want %d", len(got["y"].F), len(want))
				}
				var d, scale float64
				for j, w := range want {
					d = math.Max(d, math.Abs(float64(got["y"].F[j])-w))
					scale = math.Max(scale, math.Abs(w))
				}
				if d > tol*scale {
					t.Errorf("max|diff| %.3g > %g * %.3g", d, tol, scale)
				}
			})
		}
	}
}

// naiveMatMul is numpy's matmul in float64.
func naiveMatMul(as []int, a []float32, bs []int, b []float32) []float64 {
	a1, b1 := len(as) == 1, len(bs) == 1
	if a1 {
		as = []int{1, as[0]}
	}
	if b1 {
		bs = []int{bs[0], 1}
	}
	M, K, N := as[len(as)-2], as[len(as)-1], bs[len(bs)-1]
	batch, _ := broadcastShape(as[:len(as)-2], bs[:len(bs)-2])
	var out []float64
	newBcast(batch, as[:len(as)-2], bs[:len(bs)-2]).rows(func(_ int, offs []int, n int, st []int) {
		for e := 0; e < n; e++ {
			ao, bo := (offs[0]+e*st[0])*M*K, (offs[1]+e*st[1])*K*N
			for i := 0; i < M; i++ {
				for j := 0; j < N; j++ {
					s := 0.0
					for k := 0; k < K; k++ {
						s += float64(a[ao+i*K+k]) * float64(b[bo+k*N+j])
					}
					out = append(out, s)
				}
			}
		}
	})
	if numel(batch) == 0 {
		return nil
	}
	return out
}
