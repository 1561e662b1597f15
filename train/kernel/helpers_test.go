package kernel

import (
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// gaussian returns an n×d matrix of N(0, 1) entries.
func gaussian(n, d int, seed uint64) Matrix {
	rng := rand.New(rand.NewPCG(seed, 7))
	m := NewMatrix(n, d)
	for i := range m.Data {
		m.Data[i] = rng.NormFloat64()
	}
	return m
}

// smoothTarget is a degree-4 polynomial target with noise-free values.
func smoothTarget(x Matrix) []float64 {
	y := make([]float64, x.Rows)
	for i := range y {
		r := x.Row(i)
		y[i] = r[0]*r[1] + 0.5*(r[2]*r[2]-1) + 0.3*r[0]*r[1]*r[2]*r[3%x.Cols]
	}
	return y
}

// runRef runs tools/kernel_ref.py with the members of in and returns the
// members of its output.
func runRef(t *testing.T, in map[string]Matrix, args ...string) *npy.Archive {
	t.Helper()
	py := testutil.Python(t, "numpy", "sklearn")
	tool := testutil.Tool(t, "kernel_ref.py")
	dir := t.TempDir()
	z := npy.NewArchive()
	for name, m := range in {
		if m.Cols == 1 && name == "y_train" {
			z.Add(name, npy.NewFloat64(m.Data, m.Rows))
		} else {
			z.Add(name, npy.NewFloat64(m.Data, m.Rows, m.Cols))
		}
	}
	inPath, outPath := filepath.Join(dir, "in.npz"), filepath.Join(dir, "out.npz")
	if err := npy.WriteNPZ(inPath, z); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, append([]string{tool, args[0], inPath, outPath}, args[1:]...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kernel_ref.py %v: %v\n%s", args, err, out)
	}
	res, err := npy.ReadNPZ(outPath)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// relDiff returns max_i |a_i - b_i| / max_i |b_i|.
func relDiff(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	return num / den
}
