package importer

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPlainLSTMSteps checks lstmSteps (a plain LSTM's steps, split over
// workers at hidden 128) against the general step loop, which runs when
// the node has peepholes: zero peepholes change nothing else. Both
// directions, sequence_lens and initial states; batch 1 (BLAS
// matrix-vector products), 3 and 8 (the sgemm kernels on packed Rᵀ).
func TestPlainLSTMSteps(t *testing.T) {
	const T, I = 6, 5
	for _, c := range []struct{ B, H int }{{1, 128}, {3, 128}, {8, 64}, {2, 8}} {
		t.Run(fmt.Sprintf("B%d_H%d", c.B, c.H), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(c.B), uint64(c.H)))
			x := make([]float32, T*c.B*I)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			plain := newRNNNet("LSTM", 2, I, c.H, 2)
			plain.p = nil
			plain.lens = make([]int64, c.B)
			for b := range plain.lens {
				plain.lens[b] = []int64{T, 3, 0}[b%3]
			}
			plain.h0 = make([]float32, 2*c.B*c.H)
			plain.c0 = make([]float32, 2*c.B*c.H)
			for i := range plain.h0 {
				plain.h0[i], plain.c0[i] = float32(r.Float64()-0.5), float32(r.Float64()-0.5)
			}
			general := *plain
			general.p = make([]float32, 2*3*c.H)
			got, err := plain.run(t, x, []int{T, c.B, I})
			if err != nil {
				t.Fatal(err)
			}
			want, err := general.run(t, x, []int{T, c.B, I})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range []string{"Y", "Y_h", "Y_c"} {
				if d := maxAbsDiff(got[o].F, want[o].F); d > rnnSelfTol {
					t.Errorf("%s: max|diff| %.3g > %g", o, d, rnnSelfTol)
				}
			}
		})
	}
}
