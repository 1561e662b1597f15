package importer

import (
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// backConv: with col = im2col(x) per image and the GEMM y = W·col + b,
// dW += dy·colᵀ, dcol = Wᵀ·dy scattered back by col2im, db += Σ dy.
// Images are split over GOMAXPROCS goroutines, each with its own dW.
func backConv(c *backCtx) error {
	x, wt, y := c.in[0], c.in[1], c.out[0]
	gx, gw, gy := c.gin[0], c.gin[1], c.gout[0]
	var gb []float32
	if len(c.gin) > 2 {
		gb = c.gin[2]
	}
	g := int(c.n.attrInt("group", 1))
	N, C, M := x.Shape[0], x.Shape[1], wt.Shape[0]
	w, err := geometry(c.n, x.Shape[2:], wt.Shape[2:], false)
	if err != nil {
		return err
	}
	ohw, ihw, ks := w.outSize(), w.inSize(), w.kSize()
	kg, mg := C/g*ks, M/g
	if gb != nil {
		for n := 0; n < N; n++ {
			for m := 0; m < M; m++ {
				var s float32
				for _, v := range gy[(n*M+m)*ohw : (n*M+m+1)*ohw] {
					s += v
				}
				gb[m] += s
			}
		}
	}
	if gx == nil && gw == nil {
		return nil
	}
	if g == 1 && w.shiftable() && !gradConvIm2col {
		backConvShifted(c, w)
		return nil
	}
	_ = y
	workers := min(runtime.GOMAXPROCS(0), N)
	var wg sync.WaitGroup
	partial := make([][]float32, workers)
	for wi := 0; wi < workers; wi++ {
		wg.Add(1)
		go func(wi int) {
			defer wg.Done()
			col := make([]float32, C*ks*ohw)
			var dw []float32
			if gw != nil {
				dw = gw // worker 0 accumulates in place, the others apart
				if wi > 0 {
					dw = make([]float32, len(gw))
					partial[wi] = dw
				}
			}
			for n := wi; n < N; n += workers {
				dy := gy[n*M*ohw : (n+1)*M*ohw]
				if gw != nil {
					w.im2colRange(x.F[n*C*ihw:(n+1)*C*ihw], 0, C, col, ohw, 0)
					for gi := 0; gi < g; gi++ {
						blas32.Gemm(blas.NoTrans, blas.Trans, 1,
							gen(mg, ohw, ohw, dy[gi*mg*ohw:]),
							gen(kg, ohw, ohw, col[gi*kg*ohw:]),
							1, gen(mg, kg, kg, dw[gi*mg*kg:]))
					}
				}
				if gx != nil {
					for gi := 0; gi < g; gi++ {
						blas32.Gemm(blas.Trans, blas.NoTrans, 1,
							gen(mg, kg, kg, wt.F[gi*mg*kg:]),
							gen(mg, ohw, ohw, dy[gi*mg*ohw:]),
							0, gen(kg, ohw, ohw, col[gi*kg*ohw:]))
					}
					w.col2im(col, C, gx[n*C*ihw:(n+1)*C*ihw])
				}
			}
		}(wi)
	}
	wg.Wait()
	for _, dw := range partial {
		if dw != nil {
			addTo(gw, dw)
		}
	}
	return nil
}

// col2im adds the columns of one image (rows (c, kd, kh, kw), one column
// per output position) back onto its input planes: the transpose of
// im2colRange, with the same valid-column bounds per kernel column.
func (w *window) col2im(col []float32, C int, dst []float32) {
	ID, IH, IW := w.in[0], w.in[1], w.in[2]
	OD, OH, OW := w.out[0], w.out[1], w.out[2]
	sw := w.s[2]
	ohw := OD * OH * OW
	plane := ID * IH * IW
	row := 0
	for ch := 0; ch < C; ch++ {
		d := dst[ch*plane : (ch+1)*plane]
		for kd := 0; kd < w.k[0]; kd++ {
			for kh := 0; kh < w.k[1]; kh++ {
				for kw := 0; kw < w.k[2]; kw++ {
					src := col[row*ohw : (row+1)*ohw]
					row++
					iw0 := kw*w.d[2] - w.pb[2]
					lo, hi := w.validCols(kw)
					if lo >= hi {
						continue
					}
					p := 0
					for od := 0; od < OD; od++ {
						id := od*w.s[0] - w.pb[0] + kd*w.d[0]
						for oh := 0; oh < OH; oh++ {
							ih := oh*w.s[1] - w.pb[1] + kh*w.d[1]
							sr := src[p+lo : p+hi]
							p += OW
							if id < 0 || id >= ID || ih < 0 || ih >= IH {
								continue
							}
							base := (id*IH+ih)*IW + iw0
							if sw == 1 {
								dd := d[base+lo : base+hi]
								for i, v := range sr {
									dd[i] += v
								}
							} else {
								dd := d[base+lo*sw : base+(hi-1)*sw+1]
								for i, v := range sr {
									dd[i*sw] += v
								}
							}
						}
					}
				}
			}
		}
	}
}

// backBatchNorm differentiates the inference form y = a(x - mean) + bias
// with a = scale / sqrt(var + eps), with respect to all five inputs.
func backBatchNorm(c *backCtx) error {
	x, gy := c.in[0], c.gout[0]
	scale, mean, variance := c.in[1].F, c.in[3].F, c.in[4].F
	eps := float64(c.n.attrFloat("epsilon", 1e-5))
	C := x.Shape[1]
	N := x.Shape[0]
	plane := numel(x.Shape[2:])
	for ch := 0; ch < C; ch++ {
		inv := 1 / math.Sqrt(float64(variance[ch])+eps)
		a := float32(float64(scale[ch]) * inv)
		var sg, sgx float64 // Σ dy, Σ dy (x - mean)
		for n := 0; n < N; n++ {
			off := (n*C + ch) * plane
			for i := off; i < off+plane; i++ {
				g := gy[i]
				sg += float64(g)
				sgx += float64(g) * float64(x.F[i]-mean[ch])
				if c.gin[0] != nil {
					c.gin[0][i] += a * g
				}
			}
		}
		if c.gin[1] != nil {
			c.gin[1][ch] += float32(sgx * inv)
		}
		if c.gin[2] != nil {
			c.gin[2][ch] += float32(sg)
		}
		if c.gin[3] != nil {
			c.gin[3][ch] -= float32(float64(a) * sg)
		}
		if c.gin[4] != nil {
			c.gin[4][ch] += float32(-0.5 * float64(scale[ch]) * inv * inv * inv * sgx)
		}
	}
	return nil
}

// backPool: MaxPool sends each output's gradient to the first input
// element that attains the maximum; AveragePool spreads it over the
// window with the forward's divisor.
func backPool(c *backCtx) error {
	x, y, gx, gy := c.in[0], c.out[0], c.gin[0], c.gout[0]
	if gx == nil {
		return nil
	}
	isMax := c.n.Op == "MaxPool"
	w, err := geometry(c.n, x.Shape[2:], c.n.attrInts("kernel_shape"), c.n.attrInt("ceil_mode", 0) != 0)
	if err != nil {
		return err
	}
	includePad := c.n.attrInt("count_include_pad", 0) != 0
	isz, osz := w.inSize(), w.outSize()
	planes := x.Shape[0] * x.Shape[1]
	ID, IH, IW := w.in[0], w.in[1], w.in[2]
	forPlanes(planes, planes*osz*w.kSize(), func(lo, hi int) {
		var taps []int // dilated AveragePool's window
		for p := lo; p < hi; p++ {
			src, dst := x.F[p*isz:(p+1)*isz], gx[p*isz:(p+1)*isz]
			yo, go_ := y.F[p*osz:(p+1)*osz], gy[p*osz:(p+1)*osz]
			o := 0
			for od := 0; od < w.out[0]; od++ {
				d0 := od*w.s[0] - w.pb[0]
				for oh := 0; oh < w.out[1]; oh++ {
					h0 := oh*w.s[1] - w.pb[1]
					for ow := 0; ow < w.out[2]; ow++ {
						w0 := ow*w.s[2] - w.pb[2]
						g := go_[o]
						if isMax {
							m := yo[o]
						found:
							for kd := 0; kd < w.k[0]; kd++ {
								id := d0 + kd*w.d[0]
								if id < 0 || id >= ID {
									continue
								}
								for kh := 0; kh < w.k[1]; kh++ {
									ih := h0 + kh*w.d[1]
									if ih < 0 || ih >= IH {
										continue
									}
									for kw := 0; kw < w.k[2]; kw++ {
										iw := w0 + kw*w.d[2]
										if iw >= 0 && iw < IW && src[(id*IH+ih)*IW+iw] == m {
											dst[(id*IH+ih)*IW+iw] += g
											break found
										}
									}
								}
							}
						} else if w.d[0] != 1 || w.d[1] != 1 || w.d[2] != 1 {
							var cnt int
							if taps, cnt = dilatedWindow(w, d0, h0, w0, includePad, taps); cnt > 0 {
								for _, i := range taps {
									dst[i] += g / float32(cnt)
								}
							}
						} else {
							de, he, we := min(d0+w.k[0], ID+w.pe[0]), min(h0+w.k[1], IH+w.pe[1]), min(w0+w.k[2], IW+w.pe[2])
							padCount := (de - d0) * (he - h0) * (we - w0)
							ds, hs, ws := max(d0, 0), max(h0, 0), max(w0, 0)
							de, he, we = min(de, ID), min(he, IH), min(we, IW)
							cnt := (de - ds) * (he - hs) * (we - ws)
							if includePad {
								cnt = padCount
							}
							if cnt > 0 {
								gv := g / float32(cnt)
								for id := ds; id < de; id++ {
									for ih := hs; ih < he; ih++ {
										row := dst[(id*IH+ih)*IW:]
										for iw := ws; iw < we; iw++ {
											row[iw] += gv
										}
									}
								}
							}
						}
						o++
					}
				}
			}
		}
	})
	return nil
}

// backGemm: Y = alpha op(A) op(B) + beta C.
func backGemm(c *backCtx) error {
	a, b, gy := c.in[0], c.in[1], c.gout[0]
	ta, tb := c.n.attrInt("transA", 0) != 0, c.n.attrInt("transB", 0) != 0
	alpha, beta := c.n.attrFloat("alpha", 1), c.n.attrFloat("beta", 1)
	y := c.out[0]
	M, N := y.Shape[0], y.Shape[1]
	K := a.Shape[1]
	if ta {
		K = a.Shape[0]
	}
	G := gen(M, N, N, gy)
	A := gen(a.Shape[0], a.Shape[1], a.Shape[1], a.F)
	B := gen(b.Shape[0], b.Shape[1], b.Shape[1], b.F)
	if ga := c.gin[0]; ga != nil && K > 0 {
		dA := gen(a.Shape[0], a.Shape[1], a.Shape[1], ga)
		if !ta { // dA = G op(B)ᵀ
			blas32.Gemm(blas.NoTrans, flip(!tb), alpha, G, B, 1, dA)
		} else { // dA = op(B) Gᵀ
			blas32.Gemm(flip(tb), blas.Trans, alpha, B, G, 1, dA)
		}
	}
	if gb := c.gin[1]; gb != nil && K > 0 {
		dB := gen(b.Shape[0], b.Shape[1], b.Shape[1], gb)
		if !tb { // dB = op(A)ᵀ G
			blas32.Gemm(flip(!ta), blas.NoTrans, alpha, A, G, 1, dB)
		} else { // dB = Gᵀ op(A)
			blas32.Gemm(blas.Trans, flip(ta), alpha, G, A, 1, dB)
		}
	}
	if len(c.in) > 2 && c.in[2] != nil && c.gin[2] != nil {
		bc := newBcast(y.Shape, c.in[2].Shape)
		gc := c.gin[2]
		bc.rows(func(o int, offs []int, n int, st []int) {
			for i := 0; i < n; i++ {
				gc[offs[0]+i*st[0]] += beta * gy[o+i]
			}
		})
	}
	return nil
}

func flip(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// backMatMul: per broadcast batch entry, dA += G Bᵀ and dB += Aᵀ G.
func backMatMul(c *backCtx) error {
	as, bs := c.in[0].Shape, c.in[1].Shape
	a1, b1 := len(as) == 1, len(bs) == 1
	if a1 {
		as = []int{1, as[0]}
	}
	if b1 {
		bs = []int{bs[0], 1}
	}
	M, K, N := as[len(as)-2], as[len(as)-1], bs[len(bs)-1]
	batch, err := broadcastShape(as[:len(as)-2], bs[:len(bs)-2])
	if err != nil {
		return err
	}
	if M == 0 || N == 0 || K == 0 {
		return nil
	}
	bc := newBcast(batch, as[:len(as)-2], bs[:len(bs)-2])
	A, B, gy := c.in[0].F, c.in[1].F, c.gout[0]
	ga, gb := c.gin[0], c.gin[1]
	bi := 0
	bc.rows(func(oi int, offs []int, n int, st []int) {
		for i := 0; i < n; i++ {
			ao, bo := (offs[0]+i*st[0])*M*K, (offs[1]+i*st[1])*K*N
			G := gen(M, N, N, gy[bi*M*N:])
			if ga != nil {
				blas32.Gemm(blas.NoTrans, blas.Trans, 1, G, gen(K, N, N, B[bo:]), 1, gen(M, K, K, ga[ao:]))
			}
			if gb != nil {
				blas32.Gemm(blas.Trans, blas.NoTrans, 1, gen(M, K, K, A[ao:]), G, 1, gen(K, N, N, gb[bo:]))
			}
			bi++
		}
	})
	return nil
}
