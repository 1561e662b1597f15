package sgemm

// ShiftedSpan is how many floats of b Shifted may read: every row of B is
// read in whole tiles (16 to 48 columns), which reach less than PanelN
// columns past n1.
func ShiftedSpan(ch int, offs []int, ldb, n1 int) int {
	maxOff := 0
	for _, o := range offs {
		maxOff = max(maxOff, o)
	}
	return maxOff + max(ch-1, 0)*ldb + n1 + PanelN
}

// Shifted computes columns [n0, n1) of C = A·B (+bias per row) (+add),
// then ReLU if relu, where B (K×N, K = len(offs)·ch) is not packed but read in
// place: row t·ch+i of B starts at b[offs[t] + i·ldb]. This is a
// stride-1 convolution without im2col: b holds the zero-padded input,
// one row of stride ldb per channel, and tap t of the kernel reads it
// shifted by offs[t]. a is PackA's form of the M×K weights with k = t·ch+i.
// len(b) must be at least ShiftedSpan(ch, offs, ldb, n1); n0 must be a
// multiple of PanelN; c is row-major with row stride ldc. add, when not
// nil, has c's layout (row stride ldc) and may be c itself (accumulate)
// or another matrix (a residual connection added as C is stored).
func Shifted(M, ch int, offs []int, a, b []float32, ldb int, c []float32, ldc int, bias, add []float32, relu bool, n0, n1 int) {
	if n0%PanelN != 0 {
		panic("sgemm: Shifted: n0 not a multiple of PanelN")
	}
	if M == 0 || n0 >= n1 {
		return
	}
	K := len(offs) * ch
	for _, o := range offs {
		if o < 0 {
			panic("sgemm: Shifted: negative offset")
		}
	}
	if len(a) < PackedASize(M, K) || len(b) < ShiftedSpan(ch, offs, ldb, n1) || len(c) < (M-1)*ldc+n1 || (bias != nil && len(bias) < M) || (add != nil && len(add) < (M-1)*ldc+n1) || ldb < 0 {
		panic("sgemm: Shifted: operand too short")
	}
	ks := kernels()
	if ks == nil {
		panic("sgemm: Shifted: no micro-kernel on the generic kernel path")
	}
	if K == 0 {
		a = make([]float32, PanelM)
		offs = nil
	}
	var op *int
	if len(offs) > 0 {
		op = &offs[0]
	}
	flags := 0
	if add != nil {
		flags |= 1
	}
	if relu {
		flags |= 2
	}
	var tile [PanelM * maxTileW]float32
	var biasTile [PanelM]float32
	mp := (M + PanelM - 1) / PanelM
	tiles := colTiles(n0, n1, ks.shift)
	tileAt := func(i int, t colTile) {
		m0, c0 := i*PanelM, t.c0
		ap, bq := &a[i*K*PanelM], &b[c0]
		var bp *float32
		if bias != nil {
			if m0+PanelM <= M {
				bp = &bias[m0]
			} else {
				n := copy(biasTile[:], bias[m0:M])
				clear(biasTile[n:])
				bp = &biasTile[0]
			}
		}
		kern, w := ks.shift[t.k].kern, ks.shift[t.k].w
		if m0+PanelM <= M && c0+w <= n1 {
			cp := &c[m0*ldc+c0]
			if add != nil {
				kern(len(offs), op, ch, ap, bq, ldb, cp, ldc, bp, flags, &add[m0*ldc+c0])
			} else {
				kern(len(offs), op, ch, ap, bq, ldb, cp, ldc, bp, flags, cp)
			}
			return
		}
		rows, cols := min(PanelM, M-m0), min(w, n1-c0)
		if add != nil {
			for r := 0; r < rows; r++ {
				copy(tile[r*w:r*w+cols], add[(m0+r)*ldc+c0:])
			}
		}
		kern(len(offs), op, ch, ap, bq, ldb, &tile[0], w, bp, flags, &tile[0])
		for r := 0; r < rows; r++ {
			copy(c[(m0+r)*ldc+c0:(m0+r)*ldc+c0+cols], tile[r*w:])
		}
	}
	// Read the bigger operand once: the weights (outer loop over row
	// panels) when they outweigh the input region, else the input.
	if PackedASize(M, K) > ch*(n1-n0+ShiftedSpan(1, offs, 0, 0)) {
		for i := 0; i < mp; i++ {
			for _, t := range tiles {
				tileAt(i, t)
			}
		}
		return
	}
	for _, t := range tiles {
		for i := 0; i < mp; i++ {
			tileAt(i, t)
		}
	}
}
