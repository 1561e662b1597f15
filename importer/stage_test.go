package importer

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// stagedModel is two named blocks, Conv-BN-Relu ("/a/...") and Conv-BN
// ("/b/..."), with torch.onnx's scoped node names.
func stagedModel(t *testing.T) *Model {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 8))
	named := func(name, op string, in, out []string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
		n := node(op, in, out, attrs...)
		n.Name = proto.String(name)
		return n
	}
	var inits []*onnxpb.TensorProto
	for _, p := range []string{"a.", "b."} {
		inits = append(inits, fi(r, p+"conv.weight", false, 2, 2, 3, 3), fi(r, p+"bn.weight", true, 2), fi(r, p+"bn.bias", false, 2),
			fi(r, p+"bn.running_mean", false, 2), fi(r, p+"bn.running_var", true, 2))
	}
	nodes := []*onnxpb.NodeProto{
		named("/a/conv/Conv", "Conv", []string{"X", "a.conv.weight"}, []string{"c1"}, aInts("pads", 1, 1, 1, 1)),
		named("/a/bn/BatchNormalization", "BatchNormalization", []string{"c1", "a.bn.weight", "a.bn.bias", "a.bn.running_mean", "a.bn.running_var"}, []string{"d1"}),
		named("/a/relu/Relu", "Relu", []string{"d1"}, []string{"h1"}),
		named("/b/conv/Conv", "Conv", []string{"h1", "b.conv.weight"}, []string{"c2"}, aInts("pads", 1, 1, 1, 1)),
		named("/b/bn/BatchNormalization", "BatchNormalization", []string{"c2", "b.bn.weight", "b.bn.bias", "b.bn.running_mean", "b.bn.running_var"}, []string{"Y"}),
	}
	b := model(13, nodes, inits, []*onnxpb.ValueInfoProto{vinfo("X", onnxpb.TensorProto_FLOAT, -1, 2, 4, 4)}, outInfo("Y"))
	m, err := LoadBytesWith(b, LoadOptions{NoFold: true})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMatchPrefix(t *testing.T) {
	for _, c := range []struct {
		name, prefix string
		want         bool
	}{
		{"/layer1/layer1.0/conv1/Conv", "layer1", true},
		{"/layer1/layer1.0/conv1/Conv", "/layer1", true},
		{"/layer1/layer1.0/conv1/Conv", "layer1/layer1.0", true},
		{"layer1.0.conv1", "layer1", true},
		{"layer1", "layer1", true},
		{"/layer10/Conv", "layer1", false},
		{"/layer1x/Conv", "layer1", false},
		{"/layer1/Conv", "", false},
		{"/head/Gemm", "layer1", false},
	} {
		if got := MatchPrefix(c.name, c.prefix); got != c.want {
			t.Errorf("MatchPrefix(%q, %q) = %v, want %v", c.name, c.prefix, got, c.want)
		}
	}
}

func TestPrefixQueries(t *testing.T) {
	m := stagedModel(t)
	got := m.PrefixInitializers("a")
	want := []string{"a.bn.bias", "a.bn.running_mean", "a.bn.running_var", "a.bn.weight", "a.conv.weight"}
	if !slices.Equal(got, want) {
		t.Errorf("PrefixInitializers(a) = %v, want %v", got, want)
	}
	if out, err := m.PrefixOutput("a"); err != nil || out != "h1" {
		t.Errorf("PrefixOutput(a) = %q, %v; want h1", out, err)
	}
	if _, err := m.PrefixOutput("c"); err == nil {
		t.Error("PrefixOutput of a prefix without nodes: no error")
	}
	all, err := m.InitializersFeeding("Y")
	if err != nil || len(all) != 10 {
		t.Errorf("InitializersFeeding(Y) = %v, %v; want all 10", all, err)
	}
	low, err := m.InitializersFeeding("h1")
	if err != nil || !slices.Equal(low, want) {
		t.Errorf("InitializersFeeding(h1) = %v, %v; want %v", low, err, want)
	}
	if _, err := m.InitializersFeeding("nope"); err == nil {
		t.Error("InitializersFeeding of an unknown value: no error")
	}
	if bn := m.NodeNames("BatchNormalization"); !slices.Equal(bn, []string{"/a/bn/BatchNormalization", "/b/bn/BatchNormalization"}) {
		t.Errorf("NodeNames(BatchNormalization) = %v", bn)
	}
}

// TestFreezeBatchNorm: in training mode a frozen BatchNormalization node
// normalises with its running statistics (its output equals the
// inference form's), leaves them as they are, and differentiates as the
// inference form (central finite differences of Σ r·Y with respect to the
// frozen block's weights and the input), while the other node trains on
// batch statistics and updates its own.
func TestFreezeBatchNorm(t *testing.T) {
	m := stagedModel(t)
	params := []string{"a.conv.weight", "a.bn.weight", "b.conv.weight"}
	gs, err := NewGradSession(m, params...)
	if err != nil {
		t.Fatal(err)
	}
	if err := gs.FreezeBatchNorm("/a/nope"); err == nil {
		t.Fatal("FreezeBatchNorm of a node that does not exist: no error")
	}
	r := rand.New(rand.NewPCG(9, 10))
	x := &Tensor{DType: Float32, Shape: []int{3, 2, 4, 4}, F: gridValues(r, 96, 0.1, 1, true)}
	in := map[string]*Tensor{"X": x}
	// The inference form of block a.
	tp, err := gs.Forward(in)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := tp.Value("d1")
	want = want.Clone()
	if err := gs.SetTraining(true); err != nil {
		t.Fatal(err)
	}
	if err := gs.FreezeBatchNorm("/a/bn/BatchNormalization"); err != nil {
		t.Fatal(err)
	}
	tp, err = gs.Forward(in)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := tp.Value("d1")
	for i := range got.F {
		if got.F[i] != want.F[i] {
			t.Fatalf("frozen BN output %d: %v, inference form %v", i, got.F[i], want.F[i])
		}
	}
	rs := gs.RunningStats()
	if _, ok := rs["a.bn.running_mean"]; ok {
		t.Error("the frozen node's running mean was updated")
	}
	if _, ok := rs["b.bn.running_var"]; !ok {
		t.Error("the training node's running variance was not updated")
	}
	y, _ := tp.Output("Y")
	seed := &Tensor{DType: Float32, Shape: y.Shape, F: make([]float32, len(y.F))}
	for i := range seed.F {
		seed.F[i] = float32(r.NormFloat64())
	}
	g, err := tp.Backward(map[string]*Tensor{"Y": seed})
	if err != nil {
		t.Fatal(err)
	}
	loss := func() float64 {
		tp, err := gs.Forward(in)
		if err != nil {
			t.Fatal(err)
		}
		defer tp.Release()
		y, _ := tp.Output("Y")
		var l float64
		for i, v := range y.F {
			l += float64(v) * float64(seed.F[i])
		}
		return l
	}
	// finiteDiffTol bounds |fd - grad| / max|fd| (float32 forward, h=1e-3,
	// see TestGradFiniteDifferences). Measured: at most 3.2e-3 (the BN
	// scale, whose perturbation moves a whole channel across the Relu's
	// kink); the training form's backward on the frozen node gives 0.1
	// to 2.2.
	const h, finiteDiffTol = 1e-3, 2e-2
	check := func(name string, v []float32, grad []float32) {
		var worst, scale float64
		for i := range v {
			old := v[i]
			v[i] = old + h
			lp := loss()
			v[i] = old - h
			lm := loss()
			v[i] = old
			fd := (lp - lm) / (2 * h)
			worst = math.Max(worst, math.Abs(fd-float64(grad[i])))
			scale = math.Max(scale, math.Abs(fd))
		}
		if worst > finiteDiffTol*scale {
			t.Errorf("%s: gradient differs from finite differences by %.3g (scale %.3g)", name, worst, scale)
		}
	}
	check("X", x.F, g.Inputs["X"].F)
	for _, p := range params {
		w := gs.Param(p).Clone()
		if err := gs.SetParam(p, w); err != nil {
			t.Fatal(err)
		}
		check(p, w.F, g.Params[p].F)
	}
}
