package importer

import (
	"fmt"

	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// buildMatMul is numpy's matmul: A [..., M, K] · B [..., K, N] with the
// batch dimensions broadcast (a 1-D operand gets a dimension of 1 that
// the output drops).
//
// Where sgemm's micro-kernels run (buildEnv.packed), every product is
// sgemm.Packed:
//   - B without batch dimensions (a Linear layer's weights, or any
//     matrix shared by the batch): one product of all of A's rows
//     (batch·M) with B, packed once per model when B is a constant
//     (cached on the node), per run otherwise; split over the workers by
//     column panels, or by row panels when B has few columns;
//   - B with batch dimensions (attention's Q·Kᵀ and weights·V): one
//     product per batch entry, the entries split over the workers, each
//     packing its operands into its own scratch.
//
// Otherwise (the generic kernel path, 1-D operands) every batch entry is
// one BLAS GEMM.
func buildMatMul(n *Node, in []*info, env *buildEnv) ([]*info, *kernel, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, nil, err
	}
	if err := wantFloat(in, 0, 1); err != nil {
		return nil, nil, err
	}
	as, bs := in[0].shape, in[1].shape
	if len(as) == 0 || len(bs) == 0 {
		return nil, nil, fmt.Errorf("MatMul of a scalar")
	}
	a1, b1 := len(as) == 1, len(bs) == 1
	if a1 {
		as = []int{1, as[0]}
	}
	if b1 {
		bs = []int{bs[0], 1}
	}
	M, K, K2, N := as[len(as)-2], as[len(as)-1], bs[len(bs)-2], bs[len(bs)-1]
	if K != K2 {
		return nil, nil, fmt.Errorf("%w: shapes %v and %v do not multiply", ErrShape, in[0].shape, in[1].shape)
	}
	batch, err := broadcastShape(as[:len(as)-2], bs[:len(bs)-2])
	if err != nil {
		return nil, nil, err
	}
	out := append([]int{}, batch...)
	if !a1 {
		out = append(out, M)
	}
	if !b1 {
		out = append(out, N)
	}
	outs := []*info{{dt: Float32, shape: out}}
	// Offsets of A's and B's matrices for every batch entry.
	var aOff, bOff []int
	newBcast(batch, as[:len(as)-2], bs[:len(bs)-2]).rows(func(_ int, offs []int, n int, st []int) {
		for i := 0; i < n; i++ {
			aOff = append(aOff, (offs[0]+i*st[0])*M*K)
			bOff = append(bOff, (offs[1]+i*st[1])*K*N)
		}
	})
	if M == 0 || N == 0 || numel(batch) == 0 {
		return outs, &kernel{run: func(in, o []*Tensor, _ []float32) {}}, nil
	}
	if K == 0 {
		return outs, &kernel{run: func(in, o []*Tensor, _ []float32) { clear(o[0].F) }}, nil
	}
	workers := env.workers()
	big := numel(batch)*M*N*K >= minSplitMACs/4
	if !env.packed() || a1 || b1 {
		return outs, &kernel{run: func(in, o []*Tensor, _ []float32) {
			for i := range aOff {
				blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
					blas32.General{Rows: M, Cols: K, Stride: K, Data: in[0].F[aOff[i] : aOff[i]+M*K]},
					blas32.General{Rows: K, Cols: N, Stride: N, Data: in[1].F[bOff[i] : bOff[i]+K*N]},
					0, blas32.General{Rows: M, Cols: N, Stride: N, Data: o[0].F[i*M*N : (i+1)*M*N]})
			}
		}}, nil
	}
	if numel(bs[:len(bs)-2]) == 1 && numel(as[:len(as)-2]) == numel(batch) {
		return outs, sharedBMatMul(n, in[1], numel(batch)*M, K, N, workers, big), nil
	}
	sa, sb := sgemm.PackedASize(M, K), sgemm.PackedBSize(K, N)
	parts := min(workers, len(aOff), numCPU)
	if !big {
		parts = 1
	}
	k := &kernel{scratch: parts * (sa + sb), run: func(in, o []*Tensor, sc []float32) {
		parallel(parts, len(aOff), big, func(wi, lo, hi int) {
			pa := sc[wi*(sa+sb) : wi*(sa+sb)+sa]
			pb := sc[wi*(sa+sb)+sa : (wi+1)*(sa+sb)]
			for i := lo; i < hi; i++ {
				sgemm.PackA(M, K, in[0].F[aOff[i]:], K, pa)
				sgemm.PackBRows(K, N, 0, K, in[1].F[bOff[i]:], N, pb)
				sgemm.Packed(M, N, K, pa, pb, o[0].F[i*M*N:], N, nil, false, false, 0, N)
			}
		})
	}}
	return outs, k, nil
}

// sharedBMatMul multiplies the rows×K matrix A (all batch entries
// stacked) by the K×N matrix B: B packed once per model if constant,
// else per run.
func sharedBMatMul(n *Node, b *info, rows, K, N, workers int, big bool) *kernel {
	var pb []float32
	if b.c != nil {
		pb = packedGemmB(n, b.c, K, N, false, 1)
	}
	sa, sb := sgemm.PackedASize(rows, K), sgemm.PackedBSize(K, N)
	k := &kernel{scratch: sa, run: func(in, o []*Tensor, sc []float32) {
		pa := sc[:sa]
		bp := pb
		if bp == nil {
			bp = sc[sa : sa+sb]
			sgemm.PackBRows(K, N, 0, K, in[1].F, N, bp)
		}
		sgemm.PackA(rows, K, in[0].F, K, pa)
		c := o[0].F
		panels := (N + sgemm.PanelN - 1) / sgemm.PanelN
		rowPanels := (rows + sgemm.PanelM - 1) / sgemm.PanelM
		if panels >= 2*workers || rowPanels < 2*workers {
			parallel(workers, panels, big, func(_, p0, p1 int) {
				sgemm.Packed(rows, N, K, pa, bp, c, N, nil, false, false, p0*sgemm.PanelN, min(N, p1*sgemm.PanelN))
			})
			return
		}
		// Few columns: split by panels of rows.
		parallel(workers, rowPanels, big, func(_, r0, r1 int) {
			m0, m1 := r0*sgemm.PanelM, min(rows, r1*sgemm.PanelM)
			sgemm.Packed(m1-m0, N, K, pa[m0*K:], bp, c[m0*N:], N, nil, false, false, 0, N)
		})
	}}
	if pb == nil {
		k.scratch += sb
	}
	return k
}
