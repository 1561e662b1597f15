package importer

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// BenchmarkLSTM times one LSTM node the size of a layer of bench
// import's lstm model (input 256, hidden 256, sequence 128) at batch 1
// and 8; run it with -cpu 1,2 (the workers are GOMAXPROCS) and
// OPENBLAS_NUM_THREADS=1, as hierlearn's commands set it.
func BenchmarkLSTM(b *testing.B) {
	const T, I, H = 128, 256, 256
	for _, op := range []string{"LSTM", "GRU"} {
		for _, B := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/B%d", op, B), func(b *testing.B) {
				net := newRNNNet(op, 1, I, H, 1)
				net.p = nil
				g := map[string]int{"GRU": 3, "LSTM": 4}[op]
				inits := []*onnxpb.TensorProto{
					floatInit("W", net.w, 1, int64(g*H), I),
					floatInit("R", net.r, 1, int64(g*H), H),
					floatInit("B", net.b, 1, int64(2*g*H)),
				}
				outs := []string{"Y", "Y_h"}
				m, err := LoadBytes(model(14, []*onnxpb.NodeProto{node(op, []string{"X", "W", "R", "B"}, outs, aInt("hidden_size", H))}, inits,
					[]*onnxpb.ValueInfoProto{vinfo("X", onnxpb.TensorProto_FLOAT, T, int64(B), I)},
					[]*onnxpb.ValueInfoProto{vinfo("Y", onnxpb.TensorProto_FLOAT), vinfo("Y_h", onnxpb.TensorProto_FLOAT)}))
				if err != nil {
					b.Fatal(err)
				}
				r := rand.New(rand.NewPCG(2, 3))
				x := make([]float32, T*B*I)
				for i := range x {
					x[i] = float32(r.NormFloat64())
				}
				in := map[string]*Tensor{"X": {DType: Float32, Shape: []int{T, B, I}, F: x}}
				s := NewSession(m)
				if _, err := s.Run(in); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := s.Run(in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
