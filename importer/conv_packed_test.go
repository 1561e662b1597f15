package importer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// naiveConv is a float64 direct 2-D convolution (NCHW, one group): the
// reference the kernels are checked against.
func naiveConv(x []float32, N, C, H, W int, w []float32, M, KH, KW int, b []float32,
	s, d, p [2]int, pe [2]int, relu bool) ([]float32, int, int) {
	OH := (H+p[0]+pe[0]-d[0]*(KH-1)-1)/s[0] + 1
	OW := (W+p[1]+pe[1]-d[1]*(KW-1)-1)/s[1] + 1
	out := make([]float32, N*M*OH*OW)
	for n := 0; n < N; n++ {
		for m := 0; m < M; m++ {
			for oh := 0; oh < OH; oh++ {
				for ow := 0; ow < OW; ow++ {
					var acc float64
					if b != nil {
						acc = float64(b[m])
					}
					for c := 0; c < C; c++ {
						for i := 0; i < KH; i++ {
							for j := 0; j < KW; j++ {
								ih, iw := oh*s[0]-p[0]+i*d[0], ow*s[1]-p[1]+j*d[1]
								if ih < 0 || ih >= H || iw < 0 || iw >= W {
									continue
								}
								acc += float64(x[((n*C+c)*H+ih)*W+iw]) * float64(w[((m*C+c)*KH+i)*KW+j])
							}
						}
					}
					if relu && acc < 0 {
						acc = 0
					}
					out[((n*M+m)*OH+oh)*OW+ow] = float32(acc)
				}
			}
		}
	}
	return out, OH, OW
}

// Every convolution kernel (packed im2col, shifted taps, phase images,
// stacked small images, row- and column-split GEMMs, batch split, edge tiles) against
// naiveConv, and bit for bit on one thread against GOMAXPROCS threads.
// convCase is a convolution (input N×C×H×W, M filters KH×KW, strides s,
// dilations d, pads p before and pe after) checked against naiveConv.
type convCase struct {
	N, C, H, W, M, KH, KW int
	s, d, p, pe           [2]int
	bias, relu            bool
	res                   bool // Add a second input (a residual) before the ReLU
}

func TestConvKernelsMatchDirectConvolution(t *testing.T) {
	cases := []convCase{
		{3, 5, 9, 9, 13, 3, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, true, false},      // shifted, edge rows
		{4, 6, 3, 3, 9, 3, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, false, false},      // shifted, stacked images
		{2, 3, 20, 20, 8, 7, 7, [2]int{2, 2}, [2]int{1, 1}, [2]int{3, 3}, [2]int{3, 3}, true, true, false},     // packed im2col, stacked
		{2, 16, 8, 8, 24, 1, 1, [2]int{2, 2}, [2]int{1, 1}, [2]int{0, 0}, [2]int{0, 0}, false, false, false},   // strided pointwise
		{1, 4, 11, 10, 5, 3, 3, [2]int{1, 1}, [2]int{2, 2}, [2]int{2, 2}, [2]int{2, 2}, true, true, false},     // dilated
		{2, 3, 12, 9, 7, 5, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 0}, [2]int{2, 1}, false, true, false},     // asymmetric pads, shifted
		{1, 64, 14, 14, 40, 3, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, true, false},   // row-split GEMM
		{1, 32, 72, 72, 16, 3, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, false, false},  // column-split GEMM
		{3, 2, 13, 10, 9, 5, 4, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 2}, [2]int{2, 0}, true, true, false},     // phase images, asymmetric
		{1, 3, 224, 224, 64, 7, 7, [2]int{2, 2}, [2]int{1, 1}, [2]int{3, 3}, [2]int{3, 3}, true, true, false},  // resnet18's first conv
		{1, 64, 41, 41, 24, 3, 3, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, false, false, false}, // packed, column split
		{8, 8, 28, 28, 16, 3, 3, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, true, false},    // packed, balanced chunks
		// Fused residual Adds (with and without ReLU) on each path.
		{3, 5, 9, 9, 13, 3, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, true, true},     // shifted
		{4, 6, 3, 3, 9, 3, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, false, false, true},    // shifted, stacked
		{2, 5, 20, 20, 8, 7, 7, [2]int{2, 2}, [2]int{1, 1}, [2]int{3, 3}, [2]int{3, 3}, true, true, true},    // packed, stacked
		{1, 64, 41, 41, 24, 3, 3, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, true, true},  // packed, in place
		{1, 32, 72, 72, 16, 3, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, false, true}, // shifted, column split
		{8, 8, 28, 28, 16, 3, 3, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, false, true, true},  // packed, chunks
		{2, 16, 8, 8, 24, 1, 1, [2]int{2, 2}, [2]int{1, 1}, [2]int{0, 0}, [2]int{0, 0}, false, true, true},   // pointwise
		// Output rows written in place (width a multiple of 16, >= 32).
		{2, 8, 32, 32, 12, 3, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, true, false},   // shifted
		{2, 8, 48, 48, 12, 3, 3, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, true, true, true},    // shifted, residual
		{1, 6, 64, 64, 10, 3, 3, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, false, true, true},   // phases, residual
		{1, 5, 160, 160, 9, 5, 5, [2]int{2, 2}, [2]int{1, 1}, [2]int{2, 2}, [2]int{2, 2}, true, false, false}, // phases, 80 wide
		// Pointwise, read in place (the caller's input, without slack, is copied).
		{2, 16, 9, 9, 24, 1, 1, [2]int{1, 1}, [2]int{1, 1}, [2]int{0, 0}, [2]int{0, 0}, true, true, false},  // stride 1
		{1, 70, 12, 11, 9, 1, 1, [2]int{1, 1}, [2]int{1, 1}, [2]int{0, 0}, [2]int{0, 0}, false, true, true}, // stride 1, residual
		{3, 8, 20, 20, 40, 1, 1, [2]int{2, 2}, [2]int{1, 1}, [2]int{0, 0}, [2]int{0, 0}, true, false, true}, // stride 2, residual
		{1, 8, 21, 19, 16, 1, 1, [2]int{3, 2}, [2]int{1, 1}, [2]int{0, 0}, [2]int{0, 0}, true, true, false}, // strides 3, 2
	}
	r := rand.New(rand.NewPCG(7, 8))
	defer func(v, d int) { minShiftedOut, minDirectTmp = v, d }(minShiftedOut, minDirectTmp)
	// Each case with the default routing, then with every stride-1 conv
	// through sgemm.Shifted however small its output, then that with
	// every output whose width allows it written in place.
	// every output whose width allows it written in place; then the
	// default routing on the BLAS paths that SessionOptions select (the
	// only ones on a CPU without AVX-512).
	passes := []struct {
		route [2]int
		opt   SessionOptions
	}{
		{[2]int{minShiftedOut, minDirectTmp}, SessionOptions{}},
		{[2]int{0, minDirectTmp}, SessionOptions{}},
		{[2]int{0, 0}, SessionOptions{}},
		{[2]int{minShiftedOut, minDirectTmp}, SessionOptions{BLASConv: true}},
		{[2]int{minShiftedOut, minDirectTmp}, SessionOptions{BLASConv: true, NoShiftedConv: true, NoSplitGemm: true}},
	}
	for pass, ps := range passes {
		minShiftedOut, minDirectTmp = ps.route[0], ps.route[1]
		for i, c := range cases {
			t.Run(fmt.Sprintf("%d_%d_%dx%d_s%d", pass, i, c.KH, c.KW, c.s[0]), func(t *testing.T) {
				checkConvCase(t, r, c, i%2 == 0, ps.opt)
			})
		}
	}
}

// checkConvCase runs c through a session with options opt
// (Add(residual, conv) if addFirst) and checks it against naiveConv, and bit for bit against
// the same session on one thread.
func checkConvCase(t *testing.T, r *rand.Rand, c convCase, addFirst bool, opt SessionOptions) {
	t.Helper()
	x := gridValues(r, c.N*c.C*c.H*c.W, -1, 1, true)
	w := gridValues(r, c.M*c.C*c.KH*c.KW, -1, 1, true)
	var b []float32
	inputs := []string{"x", "w"}
	inits := []*onnxpb.TensorProto{floatInit("w", w, int64(c.M), int64(c.C), int64(c.KH), int64(c.KW))}
	if c.bias {
		b = gridValues(r, c.M, -1, 1, true)
		inputs = append(inputs, "b")
		inits = append(inits, floatInit("b", b, int64(c.M)))
	}
	env := &buildEnv{opt: opt}
	want, OH, OW := naiveConv(x, c.N, c.C, c.H, c.W, w, c.M, c.KH, c.KW, b, c.s, c.d, c.p, c.pe, c.relu && !c.res)
	conv := node("Conv", inputs, []string{"y"}, aInts("strides", int64(c.s[0]), int64(c.s[1])),
		aInts("dilations", int64(c.d[0]), int64(c.d[1])),
		aInts("pads", int64(c.p[0]), int64(c.p[1]), int64(c.pe[0]), int64(c.pe[1])))
	nodes := []*onnxpb.NodeProto{conv}
	graphIn := []*onnxpb.ValueInfoProto{vinfo("x", onnxpb.TensorProto_FLOAT, -1, int64(c.C), int64(c.H), int64(c.W))}
	feeds := map[string]*Tensor{"x": {DType: Float32, Shape: []int{c.N, c.C, c.H, c.W}, F: x}}
	if c.res {
		// y = Add(conv, r) or Add(r, conv) [-> Relu]: the
		// planner fuses it into the convolution.
		res := gridValues(r, len(want), -1, 1, true)
		for j := range want {
			want[j] += res[j]
			if c.relu {
				want[j] = max(want[j], 0)
			}
		}
		graphIn = append(graphIn, vinfo("r", onnxpb.TensorProto_FLOAT, -1, int64(c.M), int64(OH), int64(OW)))
		feeds["r"] = &Tensor{DType: Float32, Shape: []int{c.N, c.M, OH, OW}, F: res}
		conv.Output = []string{"cv"}
		addIn := []string{"cv", "r"}
		if addFirst {
			addIn = []string{"r", "cv"}
		}
		nodes = append(nodes, node("Add", addIn, []string{"y"}))
	}
	if c.relu {
		last := nodes[len(nodes)-1]
		last.Output = []string{"z"}
		nodes = append(nodes, node("Relu", []string{"z"}, []string{"y"}))
	}
	m, err := LoadBytes(model(13, nodes, inits, graphIn,
		[]*onnxpb.ValueInfoProto{vinfo("y", onnxpb.TensorProto_FLOAT, -1, int64(c.M), int64(OH), int64(OW))}))
	if err != nil {
		t.Fatal(err)
	}
	if c.res && usePackedConv(env, 1, &info{c: &Tensor{}}, nil) {
		// (only the packed kernels fuse a residual)
		p, err := m.buildPlan([]*Tensor{feeds["x"], feeds["r"]}, true, env)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range p.steps {
			if st.node.Op == "Add" {
				t.Errorf("the Add was not fused into the convolution")
			}
		}
	}
	out, err := NewSessionWith(m, opt).Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	got := out["y"].F
	// The same bits on one thread: the AVX-512 kernels split work by
	// thread count, never the order of a sum. (The BLAS fallback splits
	// a product's columns, and BLAS may sum a narrower product in another
	// order: there only the tolerance below applies.)
	old := runtime.GOMAXPROCS(1)
	out1, err := NewSessionWith(m, opt).Run(feeds)
	runtime.GOMAXPROCS(old)
	if err != nil {
		t.Fatal(err)
	}
	for j, v := range out1["y"].F {
		if math.Float32bits(v) != math.Float32bits(got[j]) && usePackedConv(env, 1, &info{c: &Tensor{}}, nil) {
			t.Fatalf("element %d: %v on one thread, %v on %d", j, v, got[j], old)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("output length %d, want %d", len(got), len(want))
	}
	worst := 0.0
	for j := range want {
		e := math.Abs(float64(got[j]-want[j])) / (1 + math.Abs(float64(want[j])))
		worst = max(worst, e)
		if e > convCaseTol {
			t.Fatalf("element %d: got %v, want %v", j, got[j], want[j])
		}
	}
	t.Logf("largest error %.2g (of 1+|want|)", worst)
}

// convCaseTol bounds checkConvCase's error, relative to 1+|want| per
// element; the Winograd tests raise it.
var convCaseTol = 1e-4

func TestBalancedChunk(t *testing.T) {
	for _, c := range []struct{ N, nb, workers, want int }{
		{8, 3, 2, 2}, // 3+3+2 over 2 workers: 2+2+2+2
		{8, 4, 2, 4},
		{8, 8, 2, 8}, // one chunk: split inside
		{8, 3, 1, 3},
		{9, 4, 2, 4}, // 4+5 images; chunks of 3 would give 3+6
		{8, 1, 2, 1},
		{16, 5, 3, 5}, // 5+5+6; no smaller chunk does better
		{8, 7, 2, 4},  // 7+1 images: chunks of 4 give 4+4
	} {
		if got := balancedChunk(c.N, c.nb, c.workers); got != c.want {
			t.Errorf("balancedChunk(%d, %d, %d) = %d, want %d", c.N, c.nb, c.workers, got, c.want)
		}
	}
}

// TestPointwiseInPlace: a 1x1 convolution whose input is an intermediate
// value (read in place from the planner's buffer, through its slack)
// matches a direct computation, at batch 1 and 3, with a residual; on
// 8×9 outputs, on 7×7 and 5×10, whose last 1 or 2 columns gemvColumn
// computes, and on 1×1, whose one column it computes at batch 1.
func TestPointwiseInPlace(t *testing.T) {
	for _, hw := range [][2]int{{8, 9}, {7, 7}, {5, 10}, {1, 1}} {
		t.Run(fmt.Sprintf("%dx%d", hw[0], hw[1]), func(t *testing.T) { testPointwiseInPlace(t, hw[0], hw[1]) })
	}
}

func testPointwiseInPlace(t *testing.T, H, W int) {
	r := rand.New(rand.NewPCG(13, 14))
	const C, M = 24, 40
	w := gridValues(r, M*C, -1, 1, true)
	b := gridValues(r, M, -1, 1, true)
	for _, N := range []int{1, 3} {
		x := gridValues(r, N*C*H*W, -1, 1, true)
		res := gridValues(r, N*M*H*W, -1, 1, true)
		xr := make([]float32, len(x))
		for i, v := range x {
			xr[i] = max(v, 0)
		}
		want, _, _ := naiveConv(xr, N, C, H, W, w, M, 1, 1, b, [2]int{1, 1}, [2]int{1, 1}, [2]int{0, 0}, [2]int{0, 0}, false)
		for i := range want {
			want[i] = max(want[i]+res[i], 0)
		}
		m, err := LoadBytes(model(13, []*onnxpb.NodeProto{
			node("Relu", []string{"x"}, []string{"xr"}),
			node("Conv", []string{"xr", "w", "b"}, []string{"c"}),
			node("Add", []string{"c", "r"}, []string{"s"}),
			node("Relu", []string{"s"}, []string{"y"}),
		}, []*onnxpb.TensorProto{floatInit("w", w, M, C, 1, 1), floatInit("b", b, M)},
			[]*onnxpb.ValueInfoProto{vinfo("x", onnxpb.TensorProto_FLOAT, -1, C, int64(H), int64(W)), vinfo("r", onnxpb.TensorProto_FLOAT, -1, M, int64(H), int64(W))},
			[]*onnxpb.ValueInfoProto{vinfo("y", onnxpb.TensorProto_FLOAT, -1, M, int64(H), int64(W))}))
		if err != nil {
			t.Fatal(err)
		}
		s := NewSession(m)
		for run := 0; run < 2; run++ { // the second run reuses the workspace
			out, err := s.Run(map[string]*Tensor{"x": {DType: Float32, Shape: []int{N, C, H, W}, F: x},
				"r": {DType: Float32, Shape: []int{N, M, H, W}, F: res}})
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range out["y"].F {
				if math.Abs(float64(v-want[i])) > 1e-4*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("batch %d, run %d, element %d: got %v, want %v", N, run, i, v, want[i])
				}
			}
		}
	}
}

// TestConvKernelsRandomShapes checks 400 random convolutions (sizes, kernels,
// strides 1-3, dilations 1-2, asymmetric pads, bias, ReLU, residual,
// batch) against naiveConv under every routing, so that the edges of
// each kernel's domain (tiles, phases, slack, stacking) are crossed.
func TestConvKernelsRandomShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	defer func(v, d int) { minShiftedOut, minDirectTmp = v, d }(minShiftedOut, minDirectTmp)
	for i := 0; i < 400; i++ {
		c := convCase{N: 1 + r.IntN(3), C: 1 + r.IntN(12), H: 1 + r.IntN(36), W: 1 + r.IntN(36), M: 1 + r.IntN(20),
			KH: 1 + r.IntN(5), KW: 1 + r.IntN(5), bias: r.IntN(2) == 0, relu: r.IntN(2) == 0, res: r.IntN(3) == 0}
		for j := 0; j < 2; j++ {
			c.s[j], c.d[j], c.p[j], c.pe[j] = 1+r.IntN(3), 1+r.IntN(2), r.IntN(3), r.IntN(3)
			if r.IntN(3) == 0 {
				c.d[j] = 1
			}
		}
		if r.IntN(4) == 0 { // the common shapes: 3x3 or 1x1, stride 1 or 2, same pads
			k := []int{1, 3}[r.IntN(2)]
			c.KH, c.KW, c.d = k, k, [2]int{1, 1}
			c.s = [2]int{1 + r.IntN(2), 0}
			c.s[1] = c.s[0]
			c.p, c.pe = [2]int{k / 2, k / 2}, [2]int{k / 2, k / 2}
		}
		OH := (c.H+c.p[0]+c.pe[0]-c.d[0]*(c.KH-1)-1)/c.s[0] + 1
		OW := (c.W+c.p[1]+c.pe[1]-c.d[1]*(c.KW-1)-1)/c.s[1] + 1
		if c.H+c.p[0]+c.pe[0] < c.d[0]*(c.KH-1)+1 || c.W+c.p[1]+c.pe[1] < c.d[1]*(c.KW-1)+1 || OH < 1 || OW < 1 {
			continue
		}
		minShiftedOut, minDirectTmp = []int{64, 0}[r.IntN(2)], []int{1 << 18, 0}[r.IntN(2)]
		t.Run(fmt.Sprintf("%d_%+v", i, c), func(t *testing.T) {
			checkConvCase(t, r, c, r.IntN(2) == 0, SessionOptions{})
		})
	}
}
