package importer

import (
	"os"

	"github.com/hierlearn/hierlearn/internal/numeric/sgemm"
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
//	Mξ[tile][m] = Σc Vξ[tile][c] · Uξ[c][m],
//
// with V the transformed input tiles and U the transformed weights:
// 2.25 multiply-adds an output pixel per channel pair instead of 9. The
// products run on sgemm.Packed: the tiles are A (PackA's layout, 8 tiles
// a panel, which the input transform writes directly), the weights B
// (transformed and packed once per weight tensor, cached on the node).
// float32 rounding of the transforms costs about a digit against the
// direct convolution (see winogradTol in the tests).

// minWinogradChannels: convolutions with fewer input or output channels
// go through sgemm.Shifted instead. The transforms (plain Go, about 10
// floating-point operations per pixel and channel each way) cost as
// much as the 6.75 multiply-adds per pixel and channel pair they save
// when there are 64 channels; at 128 and more the saving wins. A
// variable so that tests can route small convolutions here.
var minWinogradChannels = 128

// minWinogradTiles: with fewer 4×4 output tiles per image (resnet18's
// 7×7 stage: 4 tiles for 49 pixels, and 36 times the weights to read),
// the direct convolution is faster. A variable for the tests.
var minWinogradTiles = 16

// winogradSuits reports whether a convolution with C input and M output
// channels goes through winogradConv: 2-D, 3×3, stride 1, dilation 1,
// enough channels and tiles.
func (w *window) winogradSuits(C, M int) bool {
	tiles := (w.out[1] + 3) / 4 * ((w.out[2] + 3) / 4)
	return w.in[0] == 1 && w.k[0] == 1 && w.k[1] == 3 && w.k[2] == 3 &&
		w.s[1] == 1 && w.s[2] == 1 && w.d[1] == 1 && w.d[2] == 1 &&
		C >= minWinogradChannels && M >= minWinogradChannels && tiles >= minWinogradTiles
}

// winogradEnvOff is HIERLEARN_WINOGRAD=0, read once at start-up.
var winogradEnvOff = os.Getenv("HIERLEARN_WINOGRAD") == "0"

// winograd reports whether convolutions built now may use winogradConv.
func (e *buildEnv) winograd() bool { return !e.opt.NoWinograd && !winogradEnvOff }

// winogradKey keys the transformed, packed weights in Node.cache.
type winogradKey struct{ wt *Tensor }

// winogradWeights returns the 36 matrices Uξ (C×M, Uξ[c][m] = (G g Gᵀ)ξ
// for the 3×3 filter g of output m and input c), each packed as the B
// operand of sgemm.Packed (PackedBSize(C, M) floats apiece), cached on
// the node.
func winogradWeights(n *Node, wt *Tensor, M, C int) []float32 {
	key := winogradKey{wt}
	if v, ok := n.cache.Load(key); ok {
		return v.([]float32)
	}
	g := [6][3]float64{
		{1.0 / 4, 0, 0},
		{-1.0 / 6, -1.0 / 6, -1.0 / 6},
		{-1.0 / 6, 1.0 / 6, -1.0 / 6},
		{1.0 / 24, 1.0 / 12, 1.0 / 6},
		{1.0 / 24, -1.0 / 12, 1.0 / 6},
		{0, 0, 1},
	}
	u := make([]float32, 36*C*M) // [ξ][c][m]
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
					u[((i*6+j)*C+c)*M+m] = float32(v)
				}
			}
		}
	}
	us := sgemm.PackedBSize(C, M)
	pu := make([]float32, 36*us)
	for x := 0; x < 36; x++ {
		sgemm.PackBRows(C, M, 0, C, u[x*C*M:], M, pu[x*us:])
	}
	v, _ := n.cache.LoadOrStore(key, pu)
	return v.([]float32)
}

// winogradBlock is how many tiles winogradConv transforms and multiplies
// at a time (a multiple of sgemm.PanelM): as many as keep the block's
// transformed input and products (36·tiles·(C+M) floats) within about
// half this CPU's L2, at least one panel, and no more than gives each
// worker a block.
func winogradBlock(T, C, M, workers int) int {
	pm := sgemm.PanelM
	tb := max(pm, winogradBudget/(36*(C+M))/pm*pm)
	per := ((T+workers-1)/workers + pm - 1) / pm * pm
	return min(tb, max(pm, per))
}

// winogradBudget is winogradBlock's bound in floats (512 KiB).
const winogradBudget = 1 << 17

// winogradConv computes a 3×3 stride-1 convolution (any padding) by
// Winograd F(4×4, 3×3), with bias, an optional residual (input 3, added
// before the ReLU) and ReLU applied as the output tiles are stored. The
// tiles of all images are numbered together and processed in blocks,
// the blocks split over the workers.
func winogradConv(n *Node, w *window, N, C, M int, wt *Tensor, bias *info, relu, res bool, workers int) *kernel {
	OH, OW := w.out[1], w.out[2]
	th, tw := (OH+3)/4, (OW+3)/4
	T := N * th * tw
	u := winogradWeights(n, wt, M, C)
	us := sgemm.PackedBSize(C, M)
	var bv []float32
	if bias != nil {
		bv = bias.c.F
	}
	tb := winogradBlock(T, C, M, workers)
	vs := tb * C // one ξ of the packed transformed input
	per := 36*vs + tb*36*M
	blocks := (T + tb - 1) / tb
	wk := max(1, min(workers, blocks, numCPU))
	geo := winoGeometry{C: C, H: w.in[1], W: w.in[2], M: M, OH: OH, OW: OW, pt: w.pb[1], pl: w.pb[2], th: th, tw: tw}
	return &kernel{scratch: per * wk, run: func(in, o []*Tensor, sc []float32) {
		src, dst, resid := in[0].F, o[0].F, residualOf(in)
		parallel(wk, blocks, 36*T*C*M >= minSplitMACs, func(wi, lo, hi int) {
			s := sc[wi*per : (wi+1)*per]
			V, P := s[:36*vs], s[36*vs:]
			for b := lo; b < hi; b++ {
				t0 := b * tb
				cnt := min(tb, T-t0)
				geo.input(src, V, t0, cnt, tb)
				rows := (cnt + sgemm.PanelM - 1) / sgemm.PanelM * sgemm.PanelM
				for x := 0; x < 36; x++ {
					sgemm.Packed(rows, M, C, V[x*vs:], u[x*us:], P[x*M:], 36*M, nil, false, false, 0, M)
				}
				geo.output(P, dst, resid, bv, t0, cnt, relu)
			}
		})
	}}
}

// winoGeometry is the shape of a Winograd convolution: C input channels
// of H×W, M output channels of OH×OW, pads pt (top) and pl (left), and
// th×tw output tiles per image.
type winoGeometry struct {
	C, H, W, M, OH, OW, pt, pl, th, tw int
}

// input writes the transformed 6×6 input tiles t0..t0+cnt (numbered over
// all images) into V: for each ξ, a tb×C matrix in sgemm.PackA's layout
// (tile l, channel c at (l/8·C + c)·8 + l%8), the tiles that fill the
// last panel past cnt zero.
func (g *winoGeometry) input(src, V []float32, t0, cnt, tb int) {
	C, H, W := g.C, g.H, g.W
	pm := sgemm.PanelM
	vs := tb * C
	var d [36]float32
	for l := cnt; l%pm != 0; l++ { // the last panel's missing tiles
		for c := 0; c < C; c++ {
			o := (l/pm*C+c)*pm + l%pm
			for x := 0; x < 36; x++ {
				V[x*vs+o] = 0
			}
		}
	}
	for l := 0; l < cnt; l++ {
		p, r := l/pm, l%pm
		t := t0 + l
		img, ty, tx := t/(g.th*g.tw), t/g.tw%g.th, t%g.tw
		y0, x0 := ty*4-g.pt, tx*4-g.pl
		inside := y0 >= 0 && y0+6 <= H && x0 >= 0 && x0+6 <= W
		for c := 0; c < C; c++ {
			plane := src[(img*C+c)*H*W : (img*C+c+1)*H*W]
			if inside {
				for i := 0; i < 6; i++ {
					row := plane[(y0+i)*W+x0 : (y0+i)*W+x0+6]
					copy(d[i*6:i*6+6], row)
				}
			} else {
				for i := 0; i < 6; i++ {
					y := y0 + i
					for j := 0; j < 6; j++ {
						x := x0 + j
						v := float32(0)
						if y >= 0 && y < H && x >= 0 && x < W {
							v = plane[y*W+x]
						}
						d[i*6+j] = v
					}
				}
			}
			winoInputTile(&d)
			o := (p*C+c)*pm + r
			for x := 0; x < 36; x++ {
				V[x*vs+o] = d[x]
			}
		}
	}
}

// winoInputTile replaces the 6×6 tile d by Bᵀ d B.
func winoInputTile(d *[36]float32) {
	for j := 0; j < 6; j++ { // columns: Bᵀ d
		winoIn1D(&d[j], &d[6+j], &d[12+j], &d[18+j], &d[24+j], &d[30+j])
	}
	for i := 0; i < 6; i++ { // rows: (Bᵀ d) B
		r := d[i*6 : i*6+6 : i*6+6]
		winoIn1D(&r[0], &r[1], &r[2], &r[3], &r[4], &r[5])
	}
}

// winoIn1D applies Bᵀ of F(4, 3) to the six values in place:
//
//	Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0;
//	      0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
func winoIn1D(p0, p1, p2, p3, p4, p5 *float32) {
	x0, x1, x2, x3, x4, x5 := *p0, *p1, *p2, *p3, *p4, *p5
	a := x4 - 4*x2
	b := x3 - 4*x1
	e := x4 - x2
	f := 2 * (x3 - x1)
	*p0 = 4*x0 - 5*x2 + x4
	*p1 = a + b
	*p2 = a - b
	*p3 = e + f
	*p4 = e - f
	*p5 = 4*x1 - 5*x3 + x5
}

// output computes the 4×4 output tiles t0..t0+cnt from the products P
// (tile l, ξ, channel m at (l·36 + ξ)·M + m) and stores them into dst
// (N×M×OH×OW), with bias, residual and ReLU.
func (g *winoGeometry) output(P, dst, resid, bias []float32, t0, cnt int, relu bool) {
	M, OH, OW := g.M, g.OH, g.OW
	var s [36]float32
	var y [16]float32
	for l := 0; l < cnt; l++ {
		t := t0 + l
		img, ty, tx := t/(g.th*g.tw), t/g.tw%g.th, t%g.tw
		oy, ox := ty*4, tx*4
		rows, cols := min(4, OH-oy), min(4, OW-ox)
		pl := P[l*36*M : (l+1)*36*M]
		for m := 0; m < M; m++ {
			for x := 0; x < 36; x++ {
				s[x] = pl[x*M+m]
			}
			winoOutputTile(&s, &y)
			bv := float32(0)
			if bias != nil {
				bv = bias[m]
			}
			o := ((img*M+m)*OH+oy)*OW + ox
			for i := 0; i < rows; i++ {
				d := dst[o+i*OW : o+i*OW+cols]
				var r []float32
				if resid != nil {
					r = resid[o+i*OW : o+i*OW+cols]
				}
				for j := range d {
					v := y[i*4+j] + bv
					if r != nil {
						v += r[j]
					}
					if relu {
						v = relu32(v)
					}
					d[j] = v
				}
			}
		}
	}
}

// winoOutputTile computes y = Aᵀ s A (4×4) from the 6×6 tile s, with
//
//	Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
func winoOutputTile(s *[36]float32, y *[16]float32) {
	var t [24]float32 // Aᵀ s: 4×6
	for j := 0; j < 6; j++ {
		t[j], t[6+j], t[12+j], t[18+j] = winoOut1D(s[j], s[6+j], s[12+j], s[18+j], s[24+j], s[30+j])
	}
	for i := 0; i < 4; i++ {
		y[i*4], y[i*4+1], y[i*4+2], y[i*4+3] = winoOut1D(t[i*6], t[i*6+1], t[i*6+2], t[i*6+3], t[i*6+4], t[i*6+5])
	}
}

// winoOut1D applies Aᵀ of F(4, 3) to six values.
func winoOut1D(s0, s1, s2, s3, s4, s5 float32) (o0, o1, o2, o3 float32) {
	a, b := s1+s2, s1-s2
	c, d := s3+s4, s3-s4
	return s0 + a + c, b + 2*d, a + 4*c, b + 8*d + s5
}
