package importer

import (
	"math"
	"os"

	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
	"github.com/hierlearn/hierlearn/internal/numeric/vec"
)

// Winograd F(4×4, 3×3) for 3×3 stride-1 convolutions (Lavin and Gray,
// "Fast Algorithms for Convolutional Neural Networks", 2016). Each 4×4
// output tile is computed from a 6×6 input tile d as
//
//	Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// so that the sum over input channels becomes 36 independent products
// (one per element ξ of the 6×6 transformed tile)
//
//	Mξ[m][tile] = Σc Uξ[m][c] · Vξ[c][tile],
//
// with U the transformed weights (transformed and packed once per weight
// tensor, cached on the node) and V the transformed input tiles: 2.25
// multiply-adds an output pixel per channel pair instead of 9. The
// transforms run as vector operations over all tiles of an image at once
// (vec.Taps, see winoPlan), the products on sgemm.Shifted. float32
// rounding in the transforms costs about a digit against the direct
// convolution (see winogradTol in the tests).

// winogradWork returns the most multiply-adds, as a fraction of the
// direct convolution's, at which winogradConv pays off when the smaller
// of the input and output channel counts is k: the transforms cost per
// channel, the products per channel pair, so with fewer channels the
// products must shrink more. Measured on a 2-core AMD EPYC (Zen 4), one
// thread, CPU time against the shifted GEMMs: 0.66-0.75x at 128-512
// channels with a work fraction of 0.29-0.49 (0.61x at 512 channels on
// 8 images of 7×7), 0.8-0.97x at 64 channels on 56×56 (0.27-0.29), but
// 1.4x at 64 channels on 8×8 (0.38), 1.05x at 256 channels on one
// 14×14 image (0.65), and 3-4x slower at 16 and 32 channels.
func winogradWork(k int) float64 {
	switch {
	case winogradAlways:
		return math.Inf(1)
	case k >= 128:
		return 0.5
	case k >= 64:
		return 0.3
	}
	return 0
}

// winogradAlways routes every 3×3 stride-1 convolution through
// winogradConv (for the tests).
var winogradAlways = false

// winogradSuits reports whether a convolution of N images with C input
// and M output channels goes through winogradConv: 2-D, 3×3, stride 1,
// dilation 1, and products that multiply-add at most winogradWork of
// the direct convolution's 9 per output pixel and channel pair (36 per
// tile column, counting each row's junk tile and the columns rounded up
// to the micro-kernels' 16: resnet18's 14×14 stage at batch 1 takes
// 36·32 for 196 pixels, 0.65).
func (w *window) winogradSuits(N, C, M int) bool {
	if w.in[0] != 1 || w.k[0] != 1 || w.k[1] != 3 || w.k[2] != 3 || w.s[1] != 1 || w.s[2] != 1 || w.d[1] != 1 || w.d[2] != 1 {
		return false
	}
	OH, OW := w.out[1], w.out[2]
	L := (OH + 3) / 4 * ((OW+3)/4 + 1)
	nb := winogradChunk(N, L)
	cols := (nb*L + 15) &^ 15
	return float64(36*cols) <= winogradWork(min(C, M))*float64(9*nb*OH*OW)
}

// winogradEnvOff is HIERLEARN_WINOGRAD=0, read once at start-up.
var winogradEnvOff = os.Getenv("HIERLEARN_WINOGRAD") == "0"

// winograd reports whether convolutions built now may use winogradConv.
func (e *buildEnv) winograd() bool { return !e.opt.NoWinograd && !winogradEnvOff }

// winogradKey keys the transformed, packed weights in Node.cache.
type winogradKey struct{ wt *Tensor }

// winoG is G of F(4×4, 3×3): the weight transform.
var winoG = [6][3]float64{
	{1.0 / 4, 0, 0},
	{-1.0 / 6, -1.0 / 6, -1.0 / 6},
	{-1.0 / 6, 1.0 / 6, -1.0 / 6},
	{1.0 / 24, 1.0 / 12, 1.0 / 6},
	{1.0 / 24, -1.0 / 12, 1.0 / 6},
	{0, 0, 1},
}

// winoBT is Bᵀ: the input transform.
var winoBT = [6][6]float32{
	{4, 0, -5, 0, 1, 0},
	{0, -4, -4, 1, 1, 0},
	{0, 4, -4, -1, 1, 0},
	{0, -2, -1, 2, 1, 0},
	{0, 2, -1, -2, 1, 0},
	{0, 4, 0, -5, 0, 1},
}

// winoAT is Aᵀ: the output transform.
var winoAT = [4][6]float32{
	{1, 1, 1, 1, 1, 0},
	{0, 1, -1, 2, -2, 0},
	{0, 1, 1, 4, 4, 0},
	{0, 1, -1, 8, -8, 1},
}

// winogradWeights returns the 36 matrices Uξ (M×C, Uξ[m][c] = (G g Gᵀ)ξ
// for the 3×3 filter g of output m and input c), each in sgemm.PackA's
// layout (PackedASize(M, C) floats apiece), cached on the node.
func winogradWeights(n *Node, wt *Tensor, M, C int) []float32 {
	key := winogradKey{wt}
	if v, ok := n.cache.Load(key); ok {
		return v.([]float32)
	}
	g := &winoG
	u := make([]float32, 36*M*C) // [ξ][m][c]
	for m := 0; m < M; m++ {
		for c := 0; c < C; c++ {
			f := wt.F[(m*C+c)*9 : (m*C+c+1)*9]
			var t [6][3]float64 // G·f
			for i := 0; i < 6; i++ {
				for j := 0; j < 3; j++ {
					t[i][j] = g[i][0]*float64(f[j]) + g[i][1]*float64(f[3+j]) + g[i][2]*float64(f[6+j])
				}
			}
			for i := 0; i < 6; i++ {
				for j := 0; j < 6; j++ { // (G·f)·Gᵀ
					v := t[i][0]*g[j][0] + t[i][1]*g[j][1] + t[i][2]*g[j][2]
					u[((i*6+j)*M+m)*C+c] = float32(v)
				}
			}
		}
	}
	us := sgemm.PackedASize(M, C)
	pu := make([]float32, 36*us)
	for x := 0; x < 36; x++ {
		sgemm.PackA(M, C, u[x*M*C:], C, pu[x*us:])
	}
	v, _ := n.cache.LoadOrStore(key, pu)
	return v.([]float32)
}

// winoTaps is one transform output as vec.Taps computes it: the sum of
// w[t] times the vector at offset offs[t].
type winoTaps struct {
	w    []float32
	offs []int
}

// winogradChunk is how many of N images winogradConv stacks along the
// columns of its products, given L tile columns per image.
func winogradChunk(N, L int) int {
	if L >= winogradStack {
		return 1
	}
	return min(N, winogradStack/L)
}

// winogradStack: images are stacked along the columns of the products
// while their tiles (with the junk ones) number fewer than this.
const winogradStack = 256

// winoPlan is the geometry of a Winograd convolution over a chunk of
// cnt images, and its transforms as vector operations (vec.Taps) over
// all tiles of all images of the chunk at once, one channel at a time.
//
// Tiles are numbered image by image, row by row, each row of tiles with
// one junk tile at its end (tx = tw): L = th·(tw+1) per image, S =
// cnt·L in a chunk. The input plane of a channel (zero-padded) is
// gathered into 24 planes D[i·4+b][tile] = x[4ty+i-pt][4tx+b-pl] (i <
// 6, b < 4), so that pixel (i, j) of the input tile of every output tile
// is plane i·4 + j%4 shifted by j/4 (into the junk tile at a row's end).
// The rows of (d B) and then of Bᵀ d B are sums of those planes, the
// latter written as row c of the 36 B operands of sgemm.Shifted (read in
// place, one tap). The products' rows (the output channels) are summed
// the same way into Aᵀ s and the 16 pixels of each 4×4 output tile, then
// interleaved into the output with the residual and ReLU.
type winoPlan struct {
	C, H, W, M, OH, OW, pt, pl int
	th, tw, tw1, L, cnt, S     int          // tiles, tiles per row with the junk one, per image, images, per chunk
	inH, inV                   [36]winoTaps // the input transform: over each tile's rows, then columns
	outV                       [24]winoTaps // the output transform: over columns, then rows
	outH                       [16]winoTaps
}

// newWinoPlan plans chunks of up to cnt images whose products have
// element ξ of a tile at ξ·xs (xs: the stride of the 36 products).
func newWinoPlan(w *window, C, M, cnt, xs int) *winoPlan {
	p := &winoPlan{C: C, H: w.in[1], W: w.in[2], M: M, OH: w.out[1], OW: w.out[2], pt: w.pb[1], pl: w.pb[2], cnt: cnt}
	p.th, p.tw = (p.OH+3)/4, (p.OW+3)/4
	p.tw1 = p.tw + 1
	p.L = p.th * p.tw1
	p.S = cnt * p.L
	ds := p.dStride()
	for i := 0; i < 6; i++ {
		for s := 0; s < 6; s++ {
			h, v := &p.inH[i*6+s], &p.inV[i*6+s] // h: (d B)[i][s]; v: (Bᵀ d B)[i][s]
			for j := 0; j < 6; j++ {
				if c := winoBT[s][j]; c != 0 {
					h.w = append(h.w, c)
					h.offs = append(h.offs, (i*4+j%4)*ds+j/4)
				}
				if c := winoBT[i][j]; c != 0 {
					v.w = append(v.w, c)
					v.offs = append(v.offs, (j*6+s)*p.S)
				}
			}
		}
	}
	for q := 0; q < 4; q++ {
		for j := 0; j < 6; j++ { // (Aᵀ s)[q][j], over the columns
			t := &p.outV[q*6+j]
			for i := 0; i < 6; i++ {
				if c := winoAT[q][i]; c != 0 {
					t.w = append(t.w, c)
					t.offs = append(t.offs, (i*6+j)*xs)
				}
			}
		}
		for r := 0; r < 4; r++ { // (Aᵀ s A)[q][r], over the rows of Aᵀ s
			t := &p.outH[q*4+r]
			for j := 0; j < 6; j++ {
				if c := winoAT[r][j]; c != 0 {
					t.w = append(t.w, c)
					t.offs = append(t.offs, (q*6+j)*p.S)
				}
			}
		}
	}
	return p
}

// dStride is the stride of the gathered planes D: a chunk's tiles and
// one more, read by the last shifted tap.
func (p *winoPlan) dStride() int { return p.S + 1 }

// scratch is the per-worker scratch of the transforms: D and (d B) for
// the input, Aᵀ s and the output pixels for the output.
func (p *winoPlan) scratch() int { return max(24*p.dStride()+36*p.S, 40*p.S) }

// gather writes the 24 planes D of channel c of the cnt images x
// (N×C×H×W, from image b0) into d.
func (p *winoPlan) gather(x []float32, b0, cnt, c int, d []float32) {
	ds, plane := p.dStride(), p.H*p.W
	for j := 0; j < cnt; j++ {
		img := x[((b0+j)*p.C+c)*plane : ((b0+j)*p.C+c+1)*plane]
		for i := 0; i < 6; i++ {
			for b := 0; b < 4; b++ {
				pl := d[(i*4+b)*ds+j*p.L : (i*4+b)*ds+(j+1)*p.L]
				// Columns tx with 0 <= 4tx+b-pl < W.
				lo := max(0, (p.pl-b+3)/4)
				hi := min(p.tw1, (p.W-1+p.pl-b)/4+1)
				for ty := 0; ty < p.th; ty++ {
					row := pl[ty*p.tw1 : (ty+1)*p.tw1]
					iy := 4*ty + i - p.pt
					if iy < 0 || iy >= p.H || lo >= hi {
						clear(row)
						continue
					}
					clear(row[:lo])
					clear(row[hi:])
					src := img[iy*p.W+4*lo+b-p.pl:]
					for tx := lo; tx < hi; tx++ {
						row[tx] = src[4*(tx-lo)]
					}
				}
			}
		}
	}
}

// store interleaves the 16 transformed output planes y (pixel (q, r) of
// tile (ty, tx) of image j at y[(q·4+r)·S + j·L + ty·(tw+1) + tx]) of
// image j into the OH×OW plane dst, adding the residual plane res (nil
// for none), then ReLU.
func (p *winoPlan) store(y []float32, j int, dst, res []float32, relu bool) {
	for oh := 0; oh < p.OH; oh++ {
		ty, q := oh/4, oh%4
		d := dst[oh*p.OW : (oh+1)*p.OW]
		for r := 0; r < 4; r++ {
			src := y[(q*4+r)*p.S+j*p.L+ty*p.tw1:]
			for ow := r; ow < p.OW; ow += 4 {
				d[ow] = src[ow/4]
			}
		}
		switch {
		case res != nil && relu:
			vec.AddReLU(d, d, res[oh*p.OW:(oh+1)*p.OW])
		case res != nil:
			vec.Add(d, d, res[oh*p.OW:(oh+1)*p.OW])
		case relu:
			vec.ReLU(d, d)
		}
	}
}

// winogradConv computes a 3×3 stride-1 convolution (any padding) by
// Winograd F(4×4, 3×3) (see winoPlan), with bias, an optional residual
// (input 3, added before the ReLU) and ReLU applied as the output tiles
// are stored. Small images are stacked (chunks of the batch); the chunks
// are split over the workers, or within a chunk the channels, the 36
// products and the output channels are.
func winogradConv(n *Node, w *window, N, C, M int, wt *Tensor, bias *info, relu, res bool, workers int) *kernel {
	th, tw := (w.out[1]+3)/4, (w.out[2]+3)/4
	nb := balancedChunk(N, winogradChunk(N, th*(tw+1)), workers)
	nc := wholePanels(nb * th * (tw + 1)) // row stride of the products' operands
	os := M * nc                          // one ξ of the products
	p := newWinoPlan(w, C, M, nb, os)
	u := winogradWeights(n, wt, M, C)
	us := sgemm.PackedASize(M, C)
	var bv []float32
	if bias != nil {
		bv = bias.c.F
	}
	zero := []int{0}
	vs := sgemm.ShiftedSpan(C, zero, nc, nc) // one ξ of the transformed input
	wk := max(1, min(workers, numCPU))
	ts := p.scratch()
	per := 36*vs + 36*os + wk*ts
	oplane := p.OH * p.OW
	return &kernel{scratch: chunkScratch(N, nb, workers, per), run: func(in, o []*Tensor, sc []float32) {
		src, dst, resid := in[0].F, o[0].F, residualOf(in)
		chunked(N, nb, workers, per, sc, func(b0, cnt int, sc []float32, workers int) {
			V, P := sc[:36*vs], sc[36*vs:36*vs+36*os]
			tmp := sc[36*vs+36*os:]
			S := p.S // the full chunk's: a shorter last chunk computes junk past cnt·L
			big := 36*C*M*S >= minSplitMACs
			parallel(workers, C, big, func(wi, c0, c1 int) {
				d := tmp[wi*ts:][:24*p.dStride()]
				h := tmp[wi*ts+24*p.dStride():][:36*S]
				for c := c0; c < c1; c++ {
					p.gather(src, b0, cnt, c, d)
					for x := range p.inH {
						t := &p.inH[x]
						vec.Taps(h[x*S:(x+1)*S], 0, t.w, t.offs, d)
					}
					for x := range p.inV {
						t := &p.inV[x]
						vec.Taps(V[x*vs+c*nc:x*vs+c*nc+S], 0, t.w, t.offs, h)
					}
				}
			})
			parallel(workers, 36, big, func(_, x0, x1 int) {
				for x := x0; x < x1; x++ {
					sgemm.Shifted(M, C, zero, u[x*us:], V[x*vs:(x+1)*vs], nc, P[x*os:(x+1)*os], nc, nil, nil, false, 0, cnt*p.L)
				}
			})
			parallel(workers, M, big, func(wi, m0, m1 int) {
				t24 := tmp[wi*ts:][:24*S]
				y := tmp[wi*ts+24*S:][:16*S]
				for m := m0; m < m1; m++ {
					b := float32(0)
					if bv != nil {
						b = bv[m]
					}
					x := P[m*nc:]
					for k := range p.outV {
						t := &p.outV[k]
						vec.Taps(t24[k*S:(k+1)*S], 0, t.w, t.offs, x)
					}
					for k := range p.outH {
						t := &p.outH[k]
						vec.Taps(y[k*S:(k+1)*S], b, t.w, t.offs, t24)
					}
					for j := 0; j < cnt; j++ {
						img := (b0+j)*M + m
						var r []float32
						if resid != nil {
							r = resid[img*oplane : (img+1)*oplane]
						}
						p.store(y, j, dst[img*oplane:(img+1)*oplane], r, relu)
					}
				}
			})
		})
	}}
}
