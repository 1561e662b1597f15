package analysis

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/export"
	"github.com/hierlearn/hierlearn/importer"
)

// stagedNet is a two-stage CNN with torch.onnx-style node names: stage
// "s1" (Conv-BN-Relu) and "s2" (Conv-BN-Relu), a head per stage (global
// average pooling and Gemm: "head1" on s1, "logits" on s2).
func stagedNet(t *testing.T, seed uint64) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 11))
	g := export.NewGraph("staged")
	g.SetOpset(13)
	x := g.Input("input", dtype.Float32, export.Batch, 2, 6, 6)
	block := func(p, in string, cin, cout int64) string {
		w := export.Initializer(g, p+".conv.weight", randn(r, int(cout*cin*9), 0.4), cout, cin, 3, 3)
		h := g.Node("Conv", "/"+p+"/conv/Conv", []string{in, w}, export.Ints("pads", 1, 1, 1, 1))
		s := export.Initializer(g, p+".bn.weight", randn(r, int(cout), 0.1), cout)
		b := export.Initializer(g, p+".bn.bias", randn(r, int(cout), 0.1), cout)
		mean := export.Initializer(g, p+".bn.running_mean", make([]float32, cout), cout)
		ones := make([]float32, cout)
		for i := range ones {
			ones[i] = 1
		}
		v := export.Initializer(g, p+".bn.running_var", ones, cout)
		h = g.Node("BatchNormalization", "/"+p+"/bn/BatchNormalization", []string{h, s, b, mean, v})
		return g.Node("Relu", "/"+p+"/relu/Relu", []string{h})
	}
	head := func(p, in, out string, c int64) {
		h := g.Node("GlobalAveragePool", "/"+p+"/gap", []string{in})
		h = g.Node("Flatten", "/"+p+"/flat", []string{h})
		w := export.Initializer(g, p+".weight", randn(r, int(3*c), 0.5), 3, c)
		b := export.Initializer(g, p+".bias", randn(r, 3, 0.1), 3)
		g.NodeN("Gemm", "/"+p+"/Gemm", []string{h, w, b}, []string{out}, export.Int("transB", 1))
		g.Output(out, dtype.Float32, out, export.Batch, 3)
	}
	h1 := block("s1", x, 2, 3)
	h2 := block("s2", h1, 3, 4)
	head("head2", h2, "logits", 4)
	head("head1", h1, "head1", 3)
	path := filepath.Join(t.TempDir(), "staged.onnx")
	if err := g.Write(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stagedData is 48 labelled 2x6x6 inputs.
func stagedData() *importer.Tensor {
	r := rand.New(rand.NewPCG(5, 6))
	return &importer.Tensor{DType: importer.Float32, Shape: []int{48, 2, 6, 6}, F: randn(r, 48*72, 1)}
}

// initValues reads the float initializers of a model file.
func initValues(t *testing.T, b []byte) map[string][]float32 {
	t.Helper()
	m, err := importer.LoadBytesWith(b, importer.LoadOptions{NoFold: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float32{}
	for _, n := range m.FloatInitializers() {
		v, _ := m.Initializer(n)
		out[n] = v.F
	}
	return out
}

// changed lists the initializers whose values differ between two maps.
func changed(a, b map[string][]float32) []string {
	var out []string
	for n, v := range a {
		if !slices.Equal(v, b[n]) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// TestStagedFitModes checks which initializers each stage of each mode
// changes: layerwise stage 1 trains s1 and head1 (s2 absent: its
// weights and running statistics untouched), stage 2 trains s2 and the
// top head with s1 frozen, running statistics included; progressive
// stage 2 trains s1 too; bfc-1 over two stages is progressive (the same
// bytes); e2e trains everything on the top output in both stages.
func TestStagedFitModes(t *testing.T) {
	b := stagedNet(t, 1)
	x := stagedData()
	labels := make([]int64, 48)
	for i := range labels {
		labels[i] = int64(i % 3)
	}
	ds := labelled(x, labels)
	stages, err := ParseStages("s1=head1, s2")
	if err != nil {
		t.Fatal(err)
	}
	s1 := []string{"s1.bn.bias", "s1.bn.running_mean", "s1.bn.running_var", "s1.bn.weight", "s1.conv.weight"}
	s2 := []string{"s2.bn.bias", "s2.bn.running_mean", "s2.bn.running_var", "s2.bn.weight", "s2.conv.weight"}
	h1, h2 := []string{"head1.bias", "head1.weight"}, []string{"head2.bias", "head2.weight"}
	cat := func(ss ...[]string) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s...)
		}
		slices.Sort(out)
		return out
	}
	want := map[string][2][]string{
		ModeLayerwise:   {cat(s1, h1), cat(s2, h2)},
		ModeProgressive: {cat(s1, h1), cat(s1, s2, h2)},
		"bfc-1":         {cat(s1, h1), cat(s1, s2, h2)},
		ModeE2E:         {cat(s1, s2, h2), cat(s1, s2, h2)},
	}
	models := map[string][]byte{}
	for _, mode := range []string{ModeLayerwise, ModeProgressive, "bfc-1", ModeE2E} {
		t.Run(mode, func(t *testing.T) {
			prev := initValues(t, b)
			var got [][]string
			opt := StagedOptions{Mode: mode, Stages: stages, Fit: FitOptions{LR: 0.05, Batch: 16, Epochs: 1, Seed: 3, Test: ds},
				AtStage: func(s int, m *importer.Model) error {
					cur := map[string][]float32{}
					for _, n := range m.FloatInitializers() {
						v, _ := m.Initializer(n)
						cur[n] = v.F
					}
					got = append(got, changed(prev, cur))
					prev = cur
					return nil
				}}
			res, err := StagedFit(b, ds, opt)
			if err != nil {
				t.Fatal(err)
			}
			for s := range 2 {
				if !slices.Equal(got[s], want[mode][s]) {
					t.Errorf("stage %d changed %v, want %v", s+1, got[s], want[mode][s])
				}
			}
			if res.Steps != 6 || len(res.Stages) != 2 || res.Stages[1].TestAccuracy == 0 {
				t.Errorf("result %+v", res)
			}
			models[mode] = res.Model
		})
	}
	if !slices.Equal(models["bfc-1"], models[ModeProgressive]) {
		t.Error("bfc-1 over two stages differs from progressive training")
	}
}

// TestStagedFitErrors: bad modes, prefixes and outputs are errors naming
// the problem.
func TestStagedFitErrors(t *testing.T) {
	b := stagedNet(t, 1)
	x := stagedData()
	ds := labelled(x, make([]int64, 48))
	for _, c := range []struct {
		mode, stages string
	}{
		{"sideways", "s1=head1,s2"},
		{"bfc-x", "s1=head1,s2"},
		{ModeLayerwise, "s9=head1,s2"},
		{ModeLayerwise, "s1=nope,s2"},
	} {
		st, err := ParseStages(c.stages)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := StagedFit(b, ds, StagedOptions{Mode: c.mode, Stages: st, Fit: FitOptions{Batch: 16}}); err == nil {
			t.Errorf("mode %s, stages %s: no error", c.mode, c.stages)
		} else {
			t.Logf("%s, %s: %v", c.mode, c.stages, err)
		}
	}
	if _, err := ParseStages("s1,,s2"); err == nil {
		t.Error("an empty stage: no error")
	}

}
