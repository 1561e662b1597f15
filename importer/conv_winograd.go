package importer

import (
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

// minWinogradChannels: convolutions with fewer input or output channels
// go through sgemm.Shifted instead. The transforms (plain Go, about 10
// floating-point operations per pixel and channel each way) cost as
// much as the 6.75 multiply-adds per pixel and channel pair they save
// when there are 64 channels; at 128 and more the saving wins. A
// variable so that tests can route small convolutions here.
var minWinogradChannels = 128

// maxWinogradWork is the most multiply-adds winogradSuits accepts, as
// a fraction of the direct convolution's; a variable so that the tests
// can route every convolution through winogradConv.
var maxWinogradWork = 0.5

// winogradSuits reports whether a convolution of N images with C input
// and M output channels goes through winogradConv: 2-D, 3×3, stride 1,
// dilation 1, enough channels, and products that multiply-add at most
// half as much as the direct convolution's 9 per output pixel and
// channel pair (36 per tile column, counting each row's junk tile and
// the columns rounded up to the micro-kernels' 16: resnet18's 14×14
// stage at batch 1 takes 36·32 for 196 pixels, no gain).
func (w *window) winogradSuits(N, C, M int) bool {
	if w.in[0] != 1 || w.k[0] != 1 || w.k[1] != 3 || w.k[2] != 3 || w.s[1] != 1 || w.s[2] != 1 || w.d[1] != 1 || w.d[2] != 1 ||
		C < minWinogradChannels || M < minWinogradChannels {
		return false
	}
	OH, OW := w.out[1], w.out[2]
	L := (OH + 3) / 4 * ((OW+3)/4 + 1)
	nb := winogradChunk(N, L)
	cols := (nb*L + 15) &^ 15
	return float64(36*cols) <= maxWinogradWork*float64(9*nb*OH*OW)
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

// winoPlan is the geometry of a Winograd convolution and its transforms
// as vector operations over all tiles of an image at once.
//
// The input plane of each channel (zero-padded) is split into 16 phase
// planes D[a·4+b][ty][tx] = x[4ty+a-pt][4tx+b-pl] of (th+1)×(tw+1)
// values, so that pixel (i, j) of the input tile of every output tile
// (ty, tx) is one phase plane shifted by (i/4)·(tw+1) + j/4: each element
// ξ of the transformed tiles Bᵀ d B is a vec.Taps over the phase planes,
// producing a row of L = th·(tw+1) tiles (one junk tile per row of
// tiles, tx = tw). The rows of all channels and images form the B operand
// of 36 sgemm.Shifted products (read in place, one tap), whose rows (the
// output channels) are again vec.Taps'd into the 16 pixels of each 4×4
// output tile, then interleaved into the output with the residual and
// ReLU.
type winoPlan struct {
	C, H, W, M, OH, OW, pt, pl int
	th, tw, tw1, pl1, L        int          // tiles, tiles per row with the junk one, phase plane, tiles per image
	inH, inV                   [36]winoTaps // the input transform: over each tile's rows, then columns
	outV                       [24]winoTaps // the output transform: over columns, then rows
	outH                       [16]winoTaps
}

func newWinoPlan(w *window, C, M int) *winoPlan {
	p := &winoPlan{C: C, H: w.in[1], W: w.in[2], M: M, OH: w.out[1], OW: w.out[2], pt: w.pb[1], pl: w.pb[2]}
	p.th, p.tw = (p.OH+3)/4, (p.OW+3)/4
	p.tw1 = p.tw + 1
	p.pl1 = (p.th + 1) * p.tw1
	p.L = p.th * p.tw1
	for i := 0; i < 6; i++ {
		for s := 0; s < 6; s++ {
			h, v := &p.inH[i*6+s], &p.inV[i*6+s] // h: (d B)[i][s]; v: (Bᵀ d B)[i][s]
			for j := 0; j < 6; j++ {
				if c := winoBT[s][j]; c != 0 {
					h.w = append(h.w, c)
					h.offs = append(h.offs, (i%4*4+j%4)*p.pl1+i/4*p.tw1+j/4)
				}
				if c := winoBT[i][j]; c != 0 {
					v.w = append(v.w, c)
					v.offs = append(v.offs, (j*6+s)*p.L)
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
					t.offs = append(t.offs, i*6+j) // times the stride of ξ: outTaps
				}
			}
		}
		for r := 0; r < 4; r++ { // (Aᵀ s A)[q][r], over the rows of Aᵀ s
			t := &p.outH[q*4+r]
			for j := 0; j < 6; j++ {
				if c := winoAT[r][j]; c != 0 {
					t.w = append(t.w, c)
					t.offs = append(t.offs, (q*6+j)*p.L)
				}
			}
		}
	}
	return p
}

// outTaps scales the first output transform's offsets to products whose
// element ξ of a tile is at ξ·xs.
func (p *winoPlan) outTaps(xs int) {
	for k := range p.outV {
		for t := range p.outV[k].offs {
			p.outV[k].offs[t] *= xs
		}
	}
}

// phases writes the 16 phase planes of one input plane x (H×W) into d.
func (p *winoPlan) phases(x, d []float32) {
	for a := 0; a < 4; a++ {
		for ty := 0; ty <= p.th; ty++ {
			iy := 4*ty + a - p.pt
			for b := 0; b < 4; b++ {
				row := d[(a*4+b)*p.pl1+ty*p.tw1 : (a*4+b)*p.pl1+(ty+1)*p.tw1]
				if iy < 0 || iy >= p.H {
					clear(row)
					continue
				}
				src := x[iy*p.W : (iy+1)*p.W]
				for tx := range row {
					ix := 4*tx + b - p.pl
					v := float32(0)
					if ix >= 0 && ix < p.W {
						v = src[ix]
					}
					row[tx] = v
				}
			}
		}
	}
}

// store interleaves the 16 transformed output planes y (pixel (q, r) of
// tile (ty, tx) at y[(q·4+r)·L + ty·(tw+1) + tx]) into the OH×OW plane
// dst, adding the residual plane res (nil for none), then ReLU.
func (p *winoPlan) store(y, dst, res []float32, relu bool) {
	for oh := 0; oh < p.OH; oh++ {
		ty, q := oh/4, oh%4
		d := dst[oh*p.OW : (oh+1)*p.OW]
		var rr []float32
		if res != nil {
			rr = res[oh*p.OW : (oh+1)*p.OW]
		}
		for r := 0; r < 4; r++ {
			src := y[(q*4+r)*p.L+ty*p.tw1:]
			for ow := r; ow < p.OW; ow += 4 {
				v := src[ow/4]
				if rr != nil {
					v += rr[ow]
				}
				if relu {
					v = relu32(v)
				}
				d[ow] = v
			}
		}
	}
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

// winogradConv computes a 3×3 stride-1 convolution (any padding) by
// Winograd F(4×4, 3×3) (see winoPlan), with bias, an optional residual
// (input 3, added before the ReLU) and ReLU applied as the output tiles
// are stored. Small images are stacked (chunks of the batch); the chunks
// are split over the workers, or within a chunk the channels, the 36
// products and the output channels are.
func winogradConv(n *Node, w *window, N, C, M int, wt *Tensor, bias *info, relu, res bool, workers int) *kernel {
	p := newWinoPlan(w, C, M)
	u := winogradWeights(n, wt, M, C)
	us := sgemm.PackedASize(M, C)
	var bv []float32
	if bias != nil {
		bv = bias.c.F
	}
	nb := balancedChunk(N, winogradChunk(N, p.L), workers)
	nc := wholePanels(nb * p.L) // columns of the products
	zero := []int{0}
	vs := sgemm.ShiftedSpan(C, zero, nc, nc) // one ξ of the transformed input
	os := M * nc                             // one ξ of the products
	p.outTaps(os)
	wk := max(1, min(workers, numCPU))
	dsz, ysz := 16*p.pl1+36*p.L, 40*p.L
	per := 36*vs + 36*os + wk*max(dsz, ysz)
	plane, oplane := p.H*p.W, p.OH*p.OW
	return &kernel{scratch: chunkScratch(N, nb, workers, per), run: func(in, o []*Tensor, sc []float32) {
		src, dst, resid := in[0].F, o[0].F, residualOf(in)
		chunked(N, nb, workers, per, sc, func(b0, cnt int, sc []float32, workers int) {
			V, P := sc[:36*vs], sc[36*vs:36*vs+36*os]
			tmp := sc[36*vs+36*os:]
			big := 36*C*M*cnt*p.L >= minSplitMACs
			parallel(workers, C, big, func(wi, c0, c1 int) {
				d := tmp[wi*max(dsz, ysz):][:16*p.pl1]
				h := tmp[wi*max(dsz, ysz)+16*p.pl1:][:36*p.L]
				for c := c0; c < c1; c++ {
					for j := 0; j < cnt; j++ {
						img := (b0+j)*C + c
						p.phases(src[img*plane:(img+1)*plane], d)
						for x := range p.inH {
							t := &p.inH[x]
							vec.Taps(h[x*p.L:(x+1)*p.L], 0, t.w, t.offs, d)
						}
						for x := range p.inV {
							t := &p.inV[x]
							o := x*vs + c*nc + j*p.L
							vec.Taps(V[o:o+p.L], 0, t.w, t.offs, h)
						}
					}
				}
			})
			parallel(workers, 36, big, func(_, x0, x1 int) {
				for x := x0; x < x1; x++ {
					sgemm.Shifted(M, C, zero, u[x*us:], V[x*vs:(x+1)*vs], nc, P[x*os:(x+1)*os], nc, nil, nil, false, 0, cnt*p.L)
				}
			})
			parallel(workers, M, big, func(wi, m0, m1 int) {
				t24 := tmp[wi*max(dsz, ysz):][:24*p.L]
				y := tmp[wi*max(dsz, ysz)+24*p.L:][:16*p.L]
				for m := m0; m < m1; m++ {
					b := float32(0)
					if bv != nil {
						b = bv[m]
					}
					for j := 0; j < cnt; j++ {
						x := P[m*nc+j*p.L:]
						for k := range p.outV {
							t := &p.outV[k]
							vec.Taps(t24[k*p.L:(k+1)*p.L], 0, t.w, t.offs, x)
						}
						for k := range p.outH {
							t := &p.outH[k]
							vec.Taps(y[k*p.L:(k+1)*p.L], b, t.w, t.offs, t24)
						}
						img := (b0+j)*M + m
						var r []float32
						if resid != nil {
							r = resid[img*oplane : (img+1)*oplane]
						}
						p.store(y, dst[img*oplane:(img+1)*oplane], r, relu)
					}
				}
			})
		})
	}}
}
