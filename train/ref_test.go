package train

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// TestAgreesWithPyTorch trains the same tiny HNet from identical initial
// weights on identical batches in Go and in tools/hnet_ref.py (float64)
// through three stages (progressive, layerwise, progressive) and compares
// every step's loss and gradient (before clipping) and the final
// parameters and normalisation statistics.
func TestAgreesWithPyTorch(t *testing.T) {
	py := testutil.Python(t, "torch", "numpy")
	script := testutil.Tool(t, "hnet_ref.py")
	const n, d, L, k, batch = 40, 5, 4, 2, 16
	const lr = 1e-2
	data := toyData(t, n, d, L, k, 2, 3)
	arch := NewArch(d, L, k)
	m := newHNetEngine[float64](arch)
	m.init(rand.New(rand.NewPCG(4, 5)))
	ln := &hnetLearner[float64]{m: m, b: newBuffers(m, batch), y: make([]float64, batch)}
	stages := []stage{{Top: 2, Lo: 2, Steps: 3}, {Top: 3, Lo: 3, Steps: 3}, {Top: 4, Lo: 2, Steps: 4}}

	z := npy.NewArchive()
	z.Add("x", npy.NewFloat64(data.X, n, d))
	z.Add("y", npy.NewFloat64(data.Y, n))
	for l := 2; l <= L; l++ {
		z.Add(fmt.Sprintf("K%d", l), npy.NewFloat64(append([]float64(nil), m.k(l)...), k, arch.FanIn(l)))
		if l < L {
			z.Add(fmt.Sprintf("R%d", l), npy.NewFloat64(append([]float64(nil), m.lift[l]...), arch.LiftDim(l), k))
		}
	}
	z.Add("a", npy.NewFloat64(append([]float64(nil), m.params[m.aOff:m.aOff+L-1]...), L-1))
	z.Add("b", npy.NewFloat64([]float64{m.params[m.bOff]}, 1))
	r := rand.New(rand.NewPCG(6, 7))
	var idx, tops, los, starts, lens []int64
	var batches [][]int
	for _, sg := range stages {
		for s := 0; s < sg.Steps; s++ {
			b := make([]int, batch)
			for i := range b {
				b[i] = r.IntN(n)
				idx = append(idx, int64(b[i]))
			}
			batches = append(batches, b)
			tops, los, lens = append(tops, int64(sg.Top)), append(los, int64(sg.Lo)), append(lens, int64(sg.Steps))
			starts = append(starts, map[bool]int64{true: 1, false: 0}[s == 0])
		}
	}
	T := len(batches)
	z.Add("idx", npy.NewInt64(idx, T, batch))
	z.Add("tops", npy.NewInt64(tops, T))
	z.Add("los", npy.NewInt64(los, T))
	z.Add("starts", npy.NewInt64(starts, T))
	z.Add("stage_steps", npy.NewInt64(lens, T))
	meta, _ := json.Marshal(map[string]any{"d": d, "L": L, "widths": arch.Widths, "skips": arch.Skips, "lr": lr, "task": concept.TaskRegression})
	z.Add("meta", npy.NewBytes(meta))
	dir := t.TempDir()
	in, outPath := filepath.Join(dir, "in.npz"), filepath.Join(dir, "out.npz")
	if err := npy.WriteNPZ(in, z); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(py, script, "steps", in, outPath).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	ref, err := npy.ReadNPZ(outPath)
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string) []float64 {
		a, err := ref.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		return a.Float64s()
	}
	worst := 0.0
	cmp := func(what string, got, want []float64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, reference %d", what, len(got), len(want))
		}
		scale := 0.0
		for _, v := range want {
			scale = math.Max(scale, math.Abs(v))
		}
		for i := range got {
			e := math.Abs(got[i]-want[i]) / math.Max(scale, 1e-12)
			worst = math.Max(worst, e)
			if e > 1e-9 {
				t.Errorf("%s[%d]: Go %.12g, PyTorch %.12g", what, i, got[i], want[i])
				return
			}
		}
	}
	o := newAdam[float64](len(m.params))
	refLoss := get("loss")
	step := 0
	for _, sg := range stages {
		o.reset()
		rg := ln.ranges(sg)
		for s := 0; s < sg.Steps; s++ {
			loss := ln.lossGrad(data.X, data.Y, batches[step], sg, concept.TaskRegression)
			cmp(fmt.Sprintf("loss at step %d", step), []float64{loss}, refLoss[step:step+1])
			g := ln.grad()
			for l := sg.Lo; l <= sg.Top; l++ { // PyTorch also differentiates frozen K_l; Go skips them
				sz := k * arch.FanIn(l)
				cmp(fmt.Sprintf("step %d grad K%d", step, l), g[m.kOff[l]:m.kOff[l+1]], get(fmt.Sprintf("gK%d", l))[step*sz:(step+1)*sz])
			}
			cmp(fmt.Sprintf("step %d grad a", step), g[m.aOff:m.aOff+L-1], get("ga")[step*(L-1):(step+1)*(L-1)])
			cmp(fmt.Sprintf("step %d grad b", step), g[m.bOff:m.bOff+1], get("gb")[step:step+1])
			clip(g, rg, DefaultClip)
			o.step(m.params, g, rg, oneCycle(lr, s, sg.Steps))
			step++
		}
	}
	for l := 2; l <= L; l++ {
		cmp(fmt.Sprintf("final K%d", l), m.k(l), get(fmt.Sprintf("K%d", l)))
		if l < L {
			cmp(fmt.Sprintf("mean%d", l), m.mean[l], get(fmt.Sprintf("mean%d", l)))
			cmp(fmt.Sprintf("var%d", l), m.vr[l], get(fmt.Sprintf("var%d", l)))
		}
	}
	cmp("final a", m.params[m.aOff:m.aOff+L-1], get("a"))
	cmp("final b", m.params[m.bOff:m.bOff+1], get("b"))
	t.Logf("%d steps: largest difference relative to each tensor's scale %.3g", T, worst)
}
