package importer

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// rnnSelfTol bounds the difference between two runs of a recurrent
// operator that must agree (the same arithmetic in another order of
// batches or directions), and a float32 LSTM unit from a float64 hand
// computation. Measured: 0 between runs, 4e-9 from the hand computation
// (AMD EPYC, AVX-512); allowed 1e-6 for BLAS builds that order sums by
// batch size. Reversing the full sequence instead of each entry's
// sequence_lens fails 32 checks.
const rnnSelfTol = 1e-6

// rnnNet is one recurrent node with all its inputs but X as initializers.
type rnnNet struct {
	op            string
	attrs         []*onnxpb.AttributeProto
	dirs, in, hid int
	w, r, b, p    []float32 // b, p may be nil
	lens          []int64   // nil: none
	h0, c0        []float32 // nil: none
}

// newRNNNet draws random weights for op with the given directions, input
// and hidden sizes.
func newRNNNet(op string, dirs, in, hid int, seed uint64) *rnnNet {
	g := map[string]int{"RNN": 1, "GRU": 3, "LSTM": 4}[op]
	r := rand.New(rand.NewPCG(seed, 7))
	draw := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.Float64() - 0.5)
		}
		return v
	}
	n := &rnnNet{op: op, dirs: dirs, in: in, hid: hid, w: draw(dirs * g * hid * in), r: draw(dirs * g * hid * hid), b: draw(dirs * 2 * g * hid)}
	if op == "LSTM" {
		n.p = draw(dirs * 3 * hid)
	}
	return n
}

// dir returns the one-direction net of direction d of n.
func (n *rnnNet) dir(d int) *rnnNet {
	part := func(v []float32) []float32 {
		if v == nil {
			return nil
		}
		k := len(v) / n.dirs
		return v[d*k : (d+1)*k]
	}
	return &rnnNet{op: n.op, dirs: 1, in: n.in, hid: n.hid, w: part(n.w), r: part(n.r), b: part(n.b), p: part(n.p)}
}

// run runs the net on x ([seq, batch, in], or [batch, seq, in] under
// layout 1) and returns Y, Y_h and (LSTM) Y_c.
func (n *rnnNet) run(t *testing.T, x []float32, xShape []int, extra ...*onnxpb.AttributeProto) (map[string]*Tensor, error) {
	t.Helper()
	g := map[string]int{"RNN": 1, "GRU": 3, "LSTM": 4}[n.op]
	D, H := int64(n.dirs), int64(n.hid)
	inits := []*onnxpb.TensorProto{floatInit("W", n.w, D, int64(g)*H, int64(n.in)), floatInit("R", n.r, D, int64(g)*H, H)}
	names := []string{"X", "W", "R", "", "", "", "", ""}
	if n.b != nil {
		inits, names[3] = append(inits, floatInit("B", n.b, D, 2*int64(g)*H)), "B"
	}
	if n.lens != nil {
		inits, names[4] = append(inits, int64Init("L", n.lens, int64(len(n.lens)))), "L"
	}
	stateDims := func(v []float32) []int64 { return []int64{D, int64(len(v)) / D / H, H} }
	for _, a := range extra {
		if a.GetName() == "layout" && a.GetI() == 1 {
			stateDims = func(v []float32) []int64 { return []int64{int64(len(v)) / D / H, D, H} }
		}
	}
	if n.h0 != nil {
		inits, names[5] = append(inits, floatInit("H0", n.h0, stateDims(n.h0)...)), "H0"
	}
	if n.c0 != nil {
		inits, names[6] = append(inits, floatInit("C0", n.c0, stateDims(n.c0)...)), "C0"
	}
	if n.p != nil {
		inits, names[7] = append(inits, floatInit("P", n.p, D, 3*H)), "P"
	}
	for len(names) > 3 && names[len(names)-1] == "" {
		names = names[:len(names)-1]
	}
	outs := []string{"Y", "Y_h"}
	if n.op == "LSTM" {
		outs = append(outs, "Y_c")
	}
	dirName := "forward"
	if n.dirs == 2 {
		dirName = "bidirectional"
	}
	attrs := append([]*onnxpb.AttributeProto{aInt("hidden_size", H), aString("direction", dirName)}, n.attrs...)
	attrs = append(attrs, extra...)
	var gout []*onnxpb.ValueInfoProto
	for _, o := range outs {
		gout = append(gout, vinfo(o, onnxpb.TensorProto_FLOAT))
	}
	xs := make([]int64, len(xShape))
	for i, v := range xShape {
		xs[i] = int64(v)
	}
	m, err := LoadBytes(model(14, []*onnxpb.NodeProto{node(n.op, names, outs, attrs...)}, inits,
		[]*onnxpb.ValueInfoProto{vinfo("X", onnxpb.TensorProto_FLOAT, xs...)}, gout))
	if err != nil {
		return nil, err
	}
	return NewSession(m).Run(map[string]*Tensor{"X": {DType: Float32, Shape: xShape, F: x}})
}

// maxAbsDiff is max|a-b| (+Inf when the lengths differ).
func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestRecurrentConsistency checks the recurrent operators' directions,
// sequence_lens, initial states and layouts against each other: a
// bidirectional node is a forward and a reverse one; reverse is forward
// over the time-reversed sequence; a batch entry of length L is that
// entry alone over its first L steps (zeros after); layout 1 is layout 0
// transposed.
func TestRecurrentConsistency(t *testing.T) {
	const T, B, I, H = 5, 3, 4, 6
	cases := []struct {
		name  string
		op    string
		attrs []*onnxpb.AttributeProto
	}{
		{"RNN", "RNN", nil},
		{"RNN relu tanh", "RNN", []*onnxpb.AttributeProto{aStrings("activations", "Relu", "Tanh")}},
		{"GRU", "GRU", nil},
		{"GRU linear_before_reset", "GRU", []*onnxpb.AttributeProto{aInt("linear_before_reset", 1)}},
		{"LSTM", "LSTM", nil},
		{"LSTM input_forget clip", "LSTM", []*onnxpb.AttributeProto{aInt("input_forget", 1), aFloat("clip", 0.7)}},
	}
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, T*B*I)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	at := func(v []float32, t, b, w int) []float32 { return v[(t*B+b)*w : (t*B+b+1)*w] }
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bi := newRNNNet(c.op, 2, I, H, 1)
			bi.attrs = c.attrs
			bi.lens = []int64{5, 2, 0}
			bi.h0 = make([]float32, 2*B*H)
			for i := range bi.h0 {
				bi.h0[i] = float32(r.Float64() - 0.5)
			}
			if c.op == "LSTM" {
				bi.c0 = append([]float32{}, bi.h0...)
			}
			got, err := bi.run(t, x, []int{T, B, I})
			if err != nil {
				t.Fatal(err)
			}
			y := got["Y"].F // [T, 2, B, H]
			for d := 0; d < 2; d++ {
				one := bi.dir(d)
				one.attrs = c.attrs
				if c.op == "RNN" && len(c.attrs) > 0 {
					one.attrs = []*onnxpb.AttributeProto{aStrings("activations", []string{"Relu", "Tanh"}[d])}
				}
				for b := 0; b < B; b++ {
					L := int(bi.lens[b])
					// Batch entry b alone over its first L steps, time
					// reversed for the reverse direction.
					xb := make([]float32, 0, L*I)
					for s := 0; s < L; s++ {
						tt := s
						if d == 1 {
							tt = L - 1 - s
						}
						xb = append(xb, at(x, tt, b, I)...)
					}
					one.h0 = append([]float32{}, bi.h0[(d*B+b)*H:(d*B+b+1)*H]...)
					if c.op == "LSTM" {
						one.c0 = append([]float32{}, bi.c0[(d*B+b)*H:(d*B+b+1)*H]...)
					}
					wantH, wantC := one.h0, one.c0
					var wantY []float32
					if L > 0 {
						ref, err := one.run(t, xb, []int{L, 1, I})
						if err != nil {
							t.Fatal(err)
						}
						wantY, wantH = ref["Y"].F, ref["Y_h"].F
						if c.op == "LSTM" {
							wantC = ref["Y_c"].F
						}
					}
					for tt := 0; tt < T; tt++ {
						gy := y[((tt*2+d)*B+b)*H : ((tt*2+d)*B+b+1)*H]
						want := make([]float32, H)
						if tt < L {
							s := tt
							if d == 1 {
								s = L - 1 - tt
							}
							want = wantY[s*H : (s+1)*H]
						}
						if diff := maxAbsDiff(gy, want); diff > rnnSelfTol {
							t.Errorf("dir %d batch %d (length %d) time %d: Y differs by %.3g", d, b, L, tt, diff)
						}
					}
					if diff := maxAbsDiff(got["Y_h"].F[(d*B+b)*H:(d*B+b+1)*H], wantH); diff > rnnSelfTol {
						t.Errorf("dir %d batch %d: Y_h differs by %.3g", d, b, diff)
					}
					if c.op == "LSTM" {
						if diff := maxAbsDiff(got["Y_c"].F[(d*B+b)*H:(d*B+b+1)*H], wantC); diff > rnnSelfTol {
							t.Errorf("dir %d batch %d: Y_c differs by %.3g", d, b, diff)
						}
					}
				}
			}
			// Layout 1: X [B, T, I], Y [B, T, D, H], states [B, D, H].
			xt := make([]float32, len(x))
			for tt := 0; tt < T; tt++ {
				for b := 0; b < B; b++ {
					copy(xt[(b*T+tt)*I:], at(x, tt, b, I))
				}
			}
			h0 := bi.h0
			bi.h0 = make([]float32, len(h0))
			for d := 0; d < 2; d++ {
				for b := 0; b < B; b++ {
					copy(bi.h0[(b*2+d)*H:], h0[(d*B+b)*H:(d*B+b+1)*H])
				}
			}
			if bi.c0 != nil {
				bi.c0 = bi.h0
			}
			lay, err := bi.run(t, xt, []int{B, T, I}, aInt("layout", 1))
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for tt := 0; tt < T; tt++ {
				for d := 0; d < 2; d++ {
					for b := 0; b < B; b++ {
						worst = math.Max(worst, maxAbsDiff(lay["Y"].F[((b*T+tt)*2+d)*H:((b*T+tt)*2+d+1)*H], y[((tt*2+d)*B+b)*H:((tt*2+d)*B+b+1)*H]))
						worst = math.Max(worst, maxAbsDiff(lay["Y_h"].F[(b*2+d)*H:(b*2+d+1)*H], got["Y_h"].F[(d*B+b)*H:(d*B+b+1)*H]))
					}
				}
			}
			if worst > rnnSelfTol {
				t.Errorf("layout 1 differs from layout 0 by %.3g", worst)
			}
		})
	}
}

// TestRecurrentClip: under clip c, an RNN with Relu outputs at most c;
// an LSTM with input_forget and clip of one unit by hand.
func TestRecurrentClip(t *testing.T) {
	n := newRNNNet("RNN", 1, 3, 4, 5)
	n.attrs = []*onnxpb.AttributeProto{aStrings("activations", "Relu"), aFloat("clip", 0.05)}
	x := []float32{3, -2, 1, 2, 2, 2, -1, 4, 0.5}
	got, err := n.run(t, x, []int{3, 1, 3})
	if err != nil {
		t.Fatal(err)
	}
	peak := float32(0)
	for _, v := range got["Y"].F {
		peak = max(peak, v)
	}
	if peak > 0.05 || peak == 0 {
		t.Errorf("RNN Relu clip 0.05: largest output %v", peak)
	}
	// One LSTM unit, input 1, two steps, input_forget (f = 1-i), clip
	// 0.5, no bias: W = (wi, wo, wf, wc), R likewise.
	l := &rnnNet{op: "LSTM", dirs: 1, in: 1, hid: 1, w: []float32{2, -0.3, 5, 0.4}, r: []float32{0.1, 0.2, -7, 0.3},
		attrs: []*onnxpb.AttributeProto{aInt("input_forget", 1), aFloat("clip", 0.5)}}
	got, err = l.run(t, []float32{1, -0.5}, []int{2, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	clip := func(v float64) float64 { return math.Max(-0.5, math.Min(0.5, v)) }
	h, c := 0.0, 0.0
	for _, xv := range []float64{1, -0.5} {
		i := sig(clip(2*xv + 0.1*h))
		o := sig(clip(-0.3*xv + 0.2*h))
		g := math.Tanh(clip(0.4*xv + 0.3*h))
		c = (1-i)*c + i*g
		h = o * math.Tanh(c)
	}
	if math.Abs(float64(got["Y_h"].F[0])-h) > rnnSelfTol || math.Abs(float64(got["Y_c"].F[0])-c) > rnnSelfTol {
		t.Errorf("LSTM input_forget clip: Y_h %v Y_c %v, want %v %v", got["Y_h"].F[0], got["Y_c"].F[0], h, c)
	}
}

// TestRecurrentBadInput: refused attributes and shapes are clear errors.
func TestRecurrentBadInput(t *testing.T) {
	x := make([]float32, 2*1*3)
	for _, c := range []struct {
		name  string
		net   func() *rnnNet
		want  string
		unsup bool
	}{
		{"activation", func() *rnnNet {
			n := newRNNNet("GRU", 1, 3, 2, 1)
			n.attrs = []*onnxpb.AttributeProto{aStrings("activations", "Sigmoid", "Softsign")}
			return n
		}, "Softsign", true},
		{"activation count", func() *rnnNet {
			n := newRNNNet("LSTM", 1, 3, 2, 1)
			n.attrs = []*onnxpb.AttributeProto{aStrings("activations", "Sigmoid", "Tanh")}
			return n
		}, "activations", false},
		{"direction", func() *rnnNet {
			n := newRNNNet("RNN", 1, 3, 2, 1)
			n.attrs = []*onnxpb.AttributeProto{aString("direction", "sideways")}
			return n
		}, "sideways", false},
		{"W shape", func() *rnnNet {
			n := newRNNNet("RNN", 1, 3, 2, 1)
			n.w = n.w[:4]
			n.in = 2
			return n
		}, "W is", false},
		{"initial_h shape", func() *rnnNet {
			n := newRNNNet("LSTM", 1, 3, 2, 1)
			n.h0 = make([]float32, 4)
			return n
		}, "input 5", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.net().run(t, x, []int{2, 1, 3})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			if c.unsup && !errors.Is(err, ErrUnsupported) {
				t.Errorf("error %q is not ErrUnsupported", err)
			}
		})
	}
}

func aStrings(name string, v ...string) *onnxpb.AttributeProto {
	a := &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_STRINGS.Enum()}
	for _, s := range v {
		a.Strings = append(a.Strings, []byte(s))
	}
	return a
}
