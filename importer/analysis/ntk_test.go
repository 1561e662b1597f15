package analysis

import (
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/testutil"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// torchMLP exports a random ReLU MLP in the NTK parameterisation with
// tools/grad_ref.py and returns the model and the script's reference npz.
func torchMLP(t *testing.T, args ...string) (*importer.Model, *npy.Archive) {
	py := testutil.Python(t, "torch", "onnx")
	script := testutil.Tool(t, "grad_ref.py")
	dir := t.TempDir()
	onnx, ref := filepath.Join(dir, "mlp.onnx"), filepath.Join(dir, "ref.npz")
	cmd := exec.Command(py, append([]string{script, "mlp", "--onnx", onnx, "--out", ref}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("grad_ref.py: %v\n%s", err, out)
	}
	m, err := importer.Load(onnx)
	if err != nil {
		t.Fatal(err)
	}
	z, err := npy.ReadNPZ(ref)
	if err != nil {
		t.Fatal(err)
	}
	return m, z
}

func matrixOf(t *testing.T, z *npy.Archive, name string) kernel.Matrix {
	a, err := z.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	f := a.Float64s()
	return kernel.Matrix{Rows: a.Shape[0], Cols: len(f) / a.Shape[0], Data: f}
}

// TestNTKMatchesTorch: the empirical NTK of a small imported MLP (output 0
// and traced over its 3 outputs) equals the one computed by the fixture
// script from per-example torch autograd gradients, to 1e-5 of its
// largest entry.
func TestNTKMatchesTorch(t *testing.T) {
	m, z := torchMLP(t, "--width", "32", "--depth", "3", "--outputs", "3", "--d", "5", "--n", "6")
	x := matrixOf(t, z, "x")
	for _, c := range []struct {
		target int
		ref    string
	}{{0, "ntk0"}, {Trace, "ntk_trace"}} {
		g, err := NTKGram(m, "", "", c.target)
		if err != nil {
			t.Fatal(err)
		}
		// One block; blocks of 4 rows; and a memory bound that forces one
		// example and one output per block.
		for _, b := range []struct{ chunk, maxBytes int }{{0, 0}, {4, 0}, {0, 1}} {
			chunk := b.chunk
			k := &NTK{Target: c.target, Chunk: chunk, MaxBytes: b.maxBytes}
			params, _ := SelectParams(m, "")
			if k.M, err = New(m, "", params); err != nil {
				t.Fatal(err)
			}
			got := make([]float64, x.Rows*x.Rows)
			if err := k.Gram(x, x, got); err != nil {
				t.Fatal(err)
			}
			want := matrixOf(t, z, c.ref).Data
			if d := relDiff(got, want); d > 1e-5 {
				t.Errorf("%s (chunk %d): differs from torch's by %.3g relative", c.ref, chunk, d)
			}
			// Off-diagonal blocks (a != b) too.
			part := make([]float64, 2*x.Rows)
			if err := g.Gram(x.SliceRows(1, 3), x, part); err != nil {
				t.Fatal(err)
			}
			if d := relDiff(part, want[x.Rows:3*x.Rows]); d > 1e-5 {
				t.Errorf("%s: rows 1..2 differ from torch's by %.3g relative", c.ref, d)
			}
		}
	}
}

func relDiff(got, want []float64) float64 {
	var d, s float64
	for i, w := range want {
		d = math.Max(d, math.Abs(got[i]-w))
		s = math.Max(s, math.Abs(w))
	}
	return d / s
}

// TestWideMLPApproachesAnalyticNTK: for a wide random ReLU MLP in the
// NTK parameterisation (one hidden layer of 4096), the empirical NTK is a
// mean over neurons of the analytic kernel (train/kernel ntk:2, which
// lifts x to [x/sqrt(d), 1] like the network's first layer): every entry
// must lie within 5 Monte-Carlo standard errors (estimated by the script
// from the per-neuron terms) of it; and the conjugate kernel of the scaled
// hidden layer likewise approaches the NNGP kernel (nngp:2).
func TestWideMLPApproachesAnalyticNTK(t *testing.T) {
	const width = 4096
	m, z := torchMLP(t, "--width", fmt.Sprint(width), "--depth", "2", "--outputs", "1", "--d", "4", "--n", "8", "--seed", "3")
	x := matrixOf(t, z, "x")
	se := matrixOf(t, z, "ntk_se").Data
	g, err := NTKGram(m, "", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float64, x.Rows*x.Rows)
	if err := g.Gram(x, x, got); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, x.Rows*x.Rows)
	if err := (kernel.ReLU{Depth: 2}).Gram(x, x, want); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); d > 5*se[i] {
			t.Errorf("K[%d,%d] = %.5g, analytic %.5g: off by %.3g > 5 standard errors (%.3g)", i/x.Rows, i%x.Rows, got[i], want[i], d, 5*se[i])
		}
	}
	t.Logf("empirical vs analytic NTK: max relative diff %.3g", relDiff(got, want))

	// Conjugate kernel of sqrt(2/n) relu(h1), the last Mul before MatMul.
	md, err := New(m, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ck := &Conjugate{M: md, Value: "/Mul_1_output_0"}
	if w := ck.Width(x.Cols); w != width {
		t.Fatalf("conjugate kernel width %d, want %d", w, width)
	}
	phi, err := ck.Features(x)
	if err != nil {
		t.Fatal(err)
	}
	nngp := make([]float64, x.Rows*x.Rows)
	if err := (kernel.ReLU{Depth: 2, NNGP: true}).Gram(x, x, nngp); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < x.Rows; i++ {
		for j := 0; j < x.Rows; j++ {
			// K = sum_k p_k with p_k = phi_ik phi_jk; SE = sqrt(n) std(p).
			var s, s2 float64
			for k := 0; k < width; k++ {
				p := phi.Row(i)[k] * phi.Row(j)[k]
				s += p
				s2 += p * p
			}
			mean := s / width
			seij := math.Sqrt(width) * math.Sqrt(math.Max(s2/width-mean*mean, 0))
			if d := math.Abs(s - nngp[i*x.Rows+j]); d > 5*seij {
				t.Errorf("CK[%d,%d] = %.5g, NNGP %.5g: off by %.3g > 5 standard errors (%.3g)", i, j, s, nngp[i*x.Rows+j], d, 5*seij)
			}
		}
	}
}
