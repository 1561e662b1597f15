package importer

import "github.com/hierlearn/hierlearn/internal/numeric/sgemm"

// maxBandWeights bounds the packed weights (floats) of a convolution that
// bandConv splits by output rows: every worker reads all of them, which
// is cheap while they stay in L2 (256 KB: every layer of a CIFAR ResNet,
// resnet18's first stage) and would double the traffic of big layers,
// which split their output channels instead.
const maxBandWeights = 1 << 16

// bandConv is a stride-1 convolution of one image split over workers by
// bands of output rows, each worker doing all of its band's work: it
// pads its own copy of the input rows the band reads (with the kernel's
// halo), computes the band's product for every output channel, and
// copies its rows out (adding the residual). No data crosses between the
// workers' caches and there is one parallel section instead of three;
// splitting the phases separately (channels for the padding, columns for
// the product, channels again for the copy-out) moved every operand from
// one core's cache to the other's, and a batch-1 CIFAR convolution ran
// only 1.2-1.3x faster on two threads.
type bandConv struct {
	C, H, W, M, OH, OW int
	pt, pl, Wp, KH     int
	offs               []int
	pa, bias           []float32
	relu, res          bool
	rows               int // output rows per band
	ld, nc, pSize      int // per-channel stride of a band's padded input, product columns, its scratch
}

func newBandConv(C, H, W, M, OH, OW, pt, pl, Wp, KH int, offs []int, pa, bias []float32, relu, res bool, workers int) *bandConv {
	b := &bandConv{C: C, H: H, W: W, M: M, OH: OH, OW: OW, pt: pt, pl: pl, Wp: Wp, KH: KH, offs: offs, pa: pa, bias: bias, relu: relu, res: res}
	b.rows = (OH + workers - 1) / workers
	maxOff := 0
	for _, o := range offs {
		maxOff = max(maxOff, o)
	}
	b.ld = (b.rows+KH-1)*Wp + maxOff%Wp
	b.nc = wholePanels(b.rows * Wp)
	b.pSize = sgemm.ShiftedSpan(C, offs, b.ld, b.nc)
	return b
}

// bands is how many bands the image splits into.
func (b *bandConv) bands() int { return (b.OH + b.rows - 1) / b.rows }

// scratch is what run needs.
func (b *bandConv) scratch() int { return b.bands() * (b.pSize + b.M*b.nc) }

// run computes the image src (C×H×W) into dst (M×OH×OW), adding resid
// (same shape) if b.res.
func (b *bandConv) run(src, dst, resid, sc []float32) {
	per := b.pSize + b.M*b.nc
	parallel(b.bands(), b.bands(), true, func(wi, lo, hi int) {
		for band := lo; band < hi; band++ {
			b.band(band, src, dst, resid, sc[wi*per:(wi+1)*per])
		}
	})
}

func (b *bandConv) band(band int, src, dst, resid, sc []float32) {
	C, H, W, M, OH, OW, Wp := b.C, b.H, b.W, b.M, b.OH, b.OW, b.Wp
	r0, r1 := band*b.rows, min(OH, (band+1)*b.rows)
	P, tmp := sc[:b.pSize], sc[b.pSize:b.pSize+M*b.nc]
	clear(P)
	// Padded rows r0 .. r1+KH-2 of every channel.
	for c := 0; c < C; c++ {
		for pr := r0; pr < r1+b.KH-1; pr++ {
			h := pr - b.pt
			if h < 0 || h >= H {
				continue
			}
			d := P[c*b.ld+(pr-r0)*Wp+b.pl:]
			copy(d[:W], src[(c*H+h)*W:(c*H+h+1)*W])
		}
	}
	nc := wholePanels((r1 - r0) * Wp)
	sgemm.Shifted(M, C, b.offs, b.pa, P, b.ld, tmp, b.nc, b.bias, nil, b.relu && !b.res, 0, nc)
	for m := 0; m < M; m++ {
		for oh := r0; oh < r1; oh++ {
			d := dst[(m*OH+oh)*OW : (m*OH+oh+1)*OW]
			t := tmp[m*b.nc+(oh-r0)*Wp : m*b.nc+(oh-r0)*Wp+OW]
			storeRow(d, t, sliceFrom(resid, (m*OH+oh)*OW), b.relu)
		}
	}
}
