package importer

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// Winograd F(4×4, 3×3) against naiveConv over shapes whose tiles do not
// fill the output (odd H and W), paddings 0 to 2 (asymmetric), batches
// whose tiles cross images and blocks, channel counts that fill no
// panel, with bias, ReLU and a fused residual; routed through
// winogradConv however small (checkConvCase also checks the bits on one
// thread against GOMAXPROCS threads), and through the shifted GEMMs
// with NoWinograd.
func TestWinogradConvMatchesDirectConvolution(t *testing.T) {
	one, zero := [2]int{1, 1}, [2]int{0, 0}
	cases := []convCase{
		{1, 5, 9, 9, 13, 3, 3, one, one, one, one, true, true, false},
		{3, 7, 13, 11, 9, 3, 3, one, one, one, one, true, false, false},
		{2, 3, 10, 7, 17, 3, 3, one, one, zero, zero, false, true, false},
		{2, 4, 5, 6, 3, 3, 3, one, one, [2]int{2, 0}, [2]int{0, 2}, true, true, false},
		{1, 17, 6, 6, 33, 3, 3, one, one, [2]int{2, 2}, [2]int{2, 2}, false, false, false},
		{5, 16, 8, 8, 24, 3, 3, one, one, one, one, true, true, true},
		{2, 9, 15, 14, 12, 3, 3, one, one, one, one, true, false, true},
		{1, 130, 14, 14, 136, 3, 3, one, one, one, one, true, true, true}, // two K blocks of sgemm
		{9, 6, 7, 7, 8, 3, 3, one, one, one, one, false, true, false},     // many blocks
	}
	r := rand.New(rand.NewPCG(3, 18))
	defer func(a bool) { winogradAlways = a }(winogradAlways)
	winogradAlways = true
	defer func(v float64) { convCaseTol = v }(convCaseTol)
	convCaseTol = winogradTol
	for _, opt := range []SessionOptions{{}, {NoWinograd: true}} {
		for i, c := range cases {
			t.Run(fmt.Sprintf("%v_%d", opt.NoWinograd, i), func(t *testing.T) {
				checkConvCase(t, r, c, i%2 == 0, opt)
			})
		}
	}
}

// winogradTol bounds the Winograd convolution's error against the
// float64 direct one, relative to 1+|want| per element: measured up to
// 1.3e-4 at 130 channels, 2.5e-5 at 16 (the direct kernels: 1.3e-5;
// the transforms' float32 rounding grows with the channels
// summed).
const winogradTol = 1e-3

// The planner routes only 3×3 stride-1 convolutions with enough channels
// and enough tiles to winogradConv.
func TestWinogradSuits(t *testing.T) {
	win := func(hw, k, s, d int) *window {
		o := (hw+2-d*(k-1)-1)/s + 1
		return &window{in: [3]int{1, hw, hw}, out: [3]int{1, o, o},
			k: [3]int{1, k, k}, s: [3]int{1, s, s}, d: [3]int{1, d, d}, pb: [3]int{0, 1, 1}, pe: [3]int{0, 1, 1}}
	}
	for _, c := range []struct {
		w       *window
		N, C, M int
		want    bool
	}{
		{win(28, 3, 1, 1), 1, 128, 128, true},
		{win(56, 3, 1, 1), 8, 128, 128, true},
		{win(14, 3, 1, 1), 8, 256, 256, true},
		{win(7, 3, 1, 1), 8, 512, 512, true},   // 8 images of 2×3 tile columns: 48 for 392 pixels
		{win(14, 3, 1, 1), 1, 256, 256, false}, // 4×5 tile columns, rounded to 32, for 196 pixels
		{win(7, 3, 1, 1), 1, 512, 512, false},  // 6 tile columns, rounded to 16, for 49 pixels
		{win(28, 3, 1, 1), 1, 32, 128, false},  // too few channels
		{win(28, 3, 2, 1), 1, 128, 128, false}, // strided
		{win(28, 3, 1, 2), 1, 128, 128, false}, // dilated
		{win(28, 5, 1, 1), 1, 128, 128, false}, // 5×5
	} {
		if got := c.w.winogradSuits(c.N, c.C, c.M); got != c.want {
			t.Errorf("%+v N=%d C=%d M=%d: %v, want %v", *c.w, c.N, c.C, c.M, got, c.want)
		}
	}
}

// BenchmarkWinogradConv times one 3×3 stride-1 convolution with bias and
// ReLU (the shapes of resnet18's and ResNet-20's stages) through
// winogradConv and through the shifted GEMMs:
// go test -run X -bench WinogradConv -cpu 1 ./importer/
func BenchmarkWinogradConv(b *testing.B) {
	defer func(a bool) { winogradAlways = a }(winogradAlways)
	winogradAlways = true
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range []struct{ N, C, HW int }{
		{1, 64, 56}, {1, 128, 28}, {1, 256, 14}, {1, 512, 7},
		{8, 64, 56}, {8, 128, 28}, {8, 256, 14}, {8, 512, 7},
		{1, 16, 32}, {1, 32, 16}, {1, 64, 8}, {8, 16, 32}, {8, 32, 16}, {8, 64, 8},
	} {
		x := gridValues(r, s.N*s.C*s.HW*s.HW, -1, 1, true)
		w := gridValues(r, s.C*s.C*9, -1, 1, true)
		bias := gridValues(r, s.C, -1, 1, true)
		conv := node("Conv", []string{"x", "w", "b"}, []string{"z"}, aInts("pads", 1, 1, 1, 1))
		m, err := LoadBytes(model(13, []*onnxpb.NodeProto{conv, node("Relu", []string{"z"}, []string{"y"})},
			[]*onnxpb.TensorProto{floatInit("w", w, int64(s.C), int64(s.C), 3, 3), floatInit("b", bias, int64(s.C))},
			[]*onnxpb.ValueInfoProto{vinfo("x", onnxpb.TensorProto_FLOAT, -1, int64(s.C), int64(s.HW), int64(s.HW))},
			[]*onnxpb.ValueInfoProto{vinfo("y", onnxpb.TensorProto_FLOAT, -1, int64(s.C), int64(s.HW), int64(s.HW))}))
		if err != nil {
			b.Fatal(err)
		}
		feeds := map[string]*Tensor{"x": {DType: Float32, Shape: []int{s.N, s.C, s.HW, s.HW}, F: x}}
		for _, off := range []bool{false, true} {
			name := "winograd"
			if off {
				name = "shifted"
			}
			b.Run(fmt.Sprintf("b%d_c%d_%dx%d_%s", s.N, s.C, s.HW, s.HW, name), func(b *testing.B) {
				sess := NewSessionWith(m, SessionOptions{NoWinograd: off})
				if _, err := sess.Run(feeds); err != nil {
					b.Fatal(err)
				}
				cpu0 := processCPU()
				for b.Loop() {
					if _, err := sess.Run(feeds); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric((processCPU()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
				flops := 2 * 9 * float64(s.N*s.C*s.C*s.HW*s.HW)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
