package sgemm

// Panel sizes of the packed operands.
const (
	PanelM = 8
	PanelN = 32
)

// Available reports whether Packed and Shifted can run: the active
// kernel path (cpupath.Active) is avx512, avx2 or neon. On the generic
// path callers use BLAS instead.
func Available() bool { return kernels() != nil }

// PackedASize is the length of the packed form of an M×K matrix.
func PackedASize(M, K int) int { return (M + PanelM - 1) / PanelM * PanelM * K }

// PackedBSize is the length of the packed form of a K×N matrix.
func PackedBSize(K, N int) int { return (N + PanelN - 1) / PanelN * PanelN * K }

// PackA packs the M×K row-major matrix a (row stride lda) into dst
// (length PackedASize(M, K)).
func PackA(M, K int, a []float32, lda int, dst []float32) {
	for p := 0; p*PanelM < M; p++ {
		panel := dst[p*PanelM*K : (p+1)*PanelM*K]
		for r := 0; r < PanelM; r++ {
			m := p*PanelM + r
			if m >= M {
				for k := 0; k < K; k++ {
					panel[k*PanelM+r] = 0
				}
				continue
			}
			row := a[m*lda : m*lda+K]
			for k, v := range row {
				panel[k*PanelM+r] = v
			}
		}
	}
}

// PackBRows packs rows [k0, k0+len) of a K×N matrix, given as rows of
// src (row stride lds, rows rows), into dst (length PackedBSize(K, N)).
func PackBRows(K, N, k0, rows int, src []float32, lds int, dst []float32) {
	np := (N + PanelN - 1) / PanelN
	for r := 0; r < rows; r++ {
		row := src[r*lds : r*lds+N]
		k := k0 + r
		for p := 0; p < np; p++ {
			d := dst[(p*K+k)*PanelN : (p*K+k+1)*PanelN]
			n := copy(d, row[p*PanelN:min(N, (p+1)*PanelN)])
			clear(d[n:])
		}
	}
}

// kBlock bounds the depth of one micro-kernel call, so that the A panel
// (8×kBlock) stays in L1 and the B panels of a block in L2.
const kBlock = 384

// Packed computes columns [n0, n1) of C = A·B (+bias per row) (+C if
// accumulate), then ReLU if relu, where a is PackA's form of the M×K A
// and b PackBRows' form of the K×N B; c is row-major with row stride ldc.
// n0 must be a multiple of PanelN. bias (length >= M) may be nil.
// It panics if Available is false.
func Packed(M, N, K int, a, b []float32, c []float32, ldc int, bias []float32, accumulate, relu bool, n0, n1 int) {
	if n0%PanelN != 0 || n1 > N || M == 0 || n0 >= n1 {
		if n0%PanelN != 0 {
			panic("sgemm: Packed: n0 not a multiple of PanelN")
		}
		return
	}
	if len(a) < PackedASize(M, K) || len(b) < PackedBSize(K, N) || len(c) < (M-1)*ldc+n1 || (bias != nil && len(bias) < M) {
		panic("sgemm: Packed: operand too short")
	}
	ks := kernels()
	if ks == nil {
		panic("sgemm: Packed: no micro-kernel on the generic kernel path")
	}
	kern := ks.packed8x32
	if K == 0 { // the kernel reads no A or B: point them at something
		a, b = make([]float32, PanelM), make([]float32, PanelN)
	}
	var tile [PanelM * PanelN]float32
	var biasTile [PanelM]float32
	mp := (M + PanelM - 1) / PanelM
	p0, p1 := n0/PanelN, (n1+PanelN-1)/PanelN
	nk := max(1, (K+kBlock-1)/kBlock)
	for kb := 0; kb < nk; kb++ {
		k0, k1 := kb*K/nk, (kb+1)*K/nk
		flags := 0
		if accumulate || kb > 0 {
			flags |= 1
		}
		if relu && kb == nk-1 {
			flags |= 2
		}
		for q := p0; q < p1; q++ {
			c0 := q * PanelN
			bq := &b[(q*K+k0)*PanelN]
			for i := 0; i < mp; i++ {
				m0 := i * PanelM
				ap := &a[(i*K+k0)*PanelM]
				var bp *float32
				if bias != nil && kb == 0 {
					if m0+PanelM <= M {
						bp = &bias[m0]
					} else {
						n := copy(biasTile[:], bias[m0:M])
						clear(biasTile[n:])
						bp = &biasTile[0]
					}
				}
				if m0+PanelM <= M && c0+PanelN <= n1 {
					kern(k1-k0, ap, bq, &c[m0*ldc+c0], ldc, bp, flags, &c[m0*ldc+c0])
					continue
				}
				// Edge tile: through a full-size temporary.
				rows, cols := min(PanelM, M-m0), min(PanelN, n1-c0)
				if flags&1 != 0 {
					for r := 0; r < rows; r++ {
						copy(tile[r*PanelN:r*PanelN+cols], c[(m0+r)*ldc+c0:])
					}
				}
				kern(k1-k0, ap, bq, &tile[0], PanelN, bp, flags, &tile[0])
				for r := 0; r < rows; r++ {
					copy(c[(m0+r)*ldc+c0:(m0+r)*ldc+c0+cols], tile[r*PanelN:])
				}
			}
		}
	}
}
