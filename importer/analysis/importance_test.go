package analysis

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/export"
	"github.com/hierlearn/hierlearn/importer"
)

// gemmNet writes y = x W^T (x [batch, 6], W 2x6 given) and returns its Model.
func gemmNet(t *testing.T, w []float32) *Model {
	g := export.NewGraph("linear")
	g.SetOpset(13)
	x := g.Input("x", dtype.Float32, export.Batch, 6)
	wi := export.Initializer(g, "w", w, 2, 6)
	g.NodeN("Gemm", "fc", []string{x, wi}, []string{"y"}, export.Int("transB", 1))
	g.Output("y", dtype.Float32, "y", export.Batch, 2)
	path := filepath.Join(t.TempDir(), "linear.onnx")
	if err := g.Write(path); err != nil {
		t.Fatal(err)
	}
	_, md := loadModel(t, path, "-")
	return md
}

var linearW = []float32{3, -2, 1, 0.5, 0, -0.25, 1, 1, 1, 1, 1, 1}

func TestOcclusionOfALinearModelIsWeightTimesInput(t *testing.T) {
	md := gemmNet(t, linearW)
	r := rand.New(rand.NewPCG(1, 1))
	x := batchOf(md, r, 5)
	atts, err := md.Occlusion(x, OcclusionOptions{Targets: []int{0, 1}, Batch: 4})
	if err != nil {
		t.Fatal(err)
	}
	// float32 products of inputs of size ~3: rounding about 1e-6.
	const tol = 1e-5
	for k, a := range atts {
		for i := 0; i < 5; i++ {
			for j := 0; j < 6; j++ {
				want := float64(linearW[k*6+j]) * float64(x.F[i*6+j])
				if got := float64(a.F[i*6+j]); math.Abs(got-want) > tol {
					t.Fatalf("target %d example %d element %d: %v, want w x = %v", k, i, j, got, want)
				}
			}
		}
	}
	g, err := md.Occlusion(x, OcclusionOptions{Targets: []int{0}, Groups: [][]int{{0, 1}, {4}}})
	if err != nil {
		t.Fatal(err)
	}
	want := 3*float64(x.F[0]) - 2*float64(x.F[1])
	if got := g[0].F[0]; math.Abs(float64(got)-want) > tol || g[0].F[1] != got || g[0].F[4] != 0 || g[0].F[2] != 0 {
		t.Fatalf("group occlusion %v, want %v on elements 0 and 1 and 0 elsewhere", g[0].F[:6], want)
	}
	for name, opt := range map[string]OcclusionOptions{
		"no target":  {},
		"target":     {Targets: []int{2}},
		"group item": {Targets: []int{0}, Groups: [][]int{{6}}},
	} {
		if _, err := md.Occlusion(x, opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPermutationRanksLinearWeights(t *testing.T) {
	md := gemmNet(t, linearW)
	r := rand.New(rand.NewPCG(2, 2))
	x := batchOf(md, r, 400)
	groups := [][]int{{0}, {1}, {2}, {3}, {4}, {5}}
	imp, err := md.Permutation(x, PermutationOptions{Targets: []int{0, 1}, Groups: groups, Repeats: 4, Seed: 3, Batch: 128})
	if err != nil {
		t.Fatal(err)
	}
	// Against the model's own predictions the rise is 2 w_j^2 var(x_j)
	// in expectation: 18, 8, 2, 0.5, 0, 0.125 for target 0, and exactly 0
	// for a zero weight.
	if imp[0][4] != 0 {
		t.Errorf("a feature with weight 0 has importance %v", imp[0][4])
	}
	rho, _ := Spearman(imp[0], []float64{9, 4, 1, 0.25, 0, 0.0625})
	if rho != 1 {
		t.Errorf("importances %v do not follow w^2 (Spearman %v)", imp[0], rho)
	}
	// With 400 examples and 4 repeats the estimate of 2 w^2 = 18 for
	// feature 0 is within about 10% (measured 5%).
	if math.Abs(imp[0][0]-18) > 3 {
		t.Errorf("feature 0 importance %v, want about 2 w^2 var = 18", imp[0][0])
	}
	// Against true outputs equal to the predictions nothing changes.
	y, _ := md.Predict(x)
	ys := make([]float64, len(y.F))
	for i, v := range y.F {
		ys[i] = float64(v)
	}
	withY, err := md.Permutation(x, PermutationOptions{Targets: []int{0, 1}, Groups: groups, Repeats: 4, Seed: 3, Y: ys})
	if err != nil {
		t.Fatal(err)
	}
	for k := range imp {
		for g := range imp[k] {
			if math.Abs(withY[k][g]-imp[k][g]) > 1e-9*math.Max(1, imp[k][g]) {
				t.Fatalf("target %d group %d: %v with Y = predictions, %v without", k, g, withY[k][g], imp[k][g])
			}
		}
	}
	if _, err := md.Permutation(x, PermutationOptions{Targets: []int{0}}); err == nil {
		t.Error("no groups accepted")
	}
	if _, err := md.Permutation(x, PermutationOptions{Targets: []int{0}, Groups: groups, Y: ys[:3]}); err == nil {
		t.Error("short Y accepted")
	}
}

func TestSpearmanAndTopK(t *testing.T) {
	for _, c := range []struct {
		a, b []float64
		want float64
	}{
		{[]float64{1, 2, 3, 4}, []float64{10, 20, 30, 40}, 1},
		{[]float64{1, 2, 3, 4}, []float64{4, 3, 2, 1}, -1},
		{[]float64{1, 2, 2, 3}, []float64{1, 2, 3, 4}, 4.5 / math.Sqrt(22.5)}, // ties: average ranks
		{[]float64{1, math.NaN(), 3, 2}, []float64{1, 5, 3, 2}, 1},            // NaN pairs left out
	} {
		got, err := Spearman(c.a, c.b)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Spearman(%v, %v) = %v, %v; want %v", c.a, c.b, got, err, c.want)
		}
	}
	if got, _ := Spearman([]float64{1, 1, 1}, []float64{1, 2, 3}); !math.IsNaN(got) {
		t.Errorf("constant side: %v, want NaN", got)
	}
	if _, err := Spearman([]float64{1}, []float64{1, 2}); err == nil {
		t.Error("lengths differ: accepted")
	}
	p, err := TopKPrecision([]float64{0.9, 0.1, 0.8, 0.7, 0}, []float64{1, 0, 0, 2, 0}, 2)
	if err != nil || p != 0.5 {
		t.Errorf("top-2 precision %v, %v; want 0.5", p, err)
	}
	if _, err := TopKPrecision([]float64{1}, []float64{1}, 2); err == nil {
		t.Error("k beyond the length accepted")
	}
}

func TestRandomizeWeightsKeepsScaleAndChangesAttributions(t *testing.T) {
	m, md := loadModel(t, tinyCNN(t, 1), "")
	r := rand.New(rand.NewPCG(3, 3))
	x := batchOf(md, r, 4)
	before, err := md.Attribute(x, AttrOptions{Method: "saliency", Target: 0})
	if err != nil {
		t.Fatal(err)
	}
	std := func(v []float32) float64 {
		var s, q float64
		for _, f := range v {
			s += float64(f)
		}
		s /= float64(len(v))
		for _, f := range v {
			q += (float64(f) - s) * (float64(f) - s)
		}
		return math.Sqrt(q / float64(len(v)))
	}
	orig := map[string]*importer.Tensor{}
	for _, p := range md.GS.Params() {
		orig[p] = md.GS.Param(p)
	}
	done, err := md.RandomizeWeights(7)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 3 { // conv1.weight, conv2.weight, fc.weight
		t.Fatalf("randomised %v, want the three weight tensors", done)
	}
	for _, p := range md.GS.Params() {
		now := md.GS.Param(p)
		if len(now.Shape) < 2 {
			if now.F[0] != orig[p].F[0] {
				t.Errorf("%s (1-D) changed", p)
			}
			continue
		}
		// 20-72 values: the sample std is within about 40% of the original.
		if a, b := std(now.F), std(orig[p].F); math.Abs(a/b-1) > 0.5 {
			t.Errorf("%s: std %v after, %v before", p, a, b)
		}
	}
	after, err := md.Attribute(x, AttrOptions{Method: "saliency", Target: 0})
	if err != nil {
		t.Fatal(err)
	}
	a, b := make([]float64, len(before.F)), make([]float64, len(after.F))
	for i := range a {
		a[i], b[i] = float64(before.F[i]), float64(after.F[i])
	}
	if rho, _ := Spearman(a, b); rho > 0.9 {
		t.Errorf("saliency of the randomised model has rank correlation %v with the trained one", rho)
	}
	_ = m
}
