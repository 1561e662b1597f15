package analysis

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// NTK is the empirical neural tangent kernel of a Model:
// K(x, x') = sum over the target outputs o of <grad f_o(x), grad f_o(x')>,
// the gradients taken with respect to the Model's params.
type NTK struct {
	M      *Model
	Target int // output element per example, or Trace
	Chunk  int // examples per gradient block (0: as many as MaxBytes holds)
	// MaxBytes bounds one side's gradient block (0: DefaultMaxBytes).
	MaxBytes int
}

func (k *NTK) String() string {
	t := fmt.Sprint(k.Target)
	if k.Target == Trace {
		t = "trace"
	}
	return fmt.Sprintf("empirical-ntk(%s[%s])", k.M.Output, t)
}

// DefaultMaxBytes is the default bound on one side's gradient block.
const DefaultMaxBytes = 256 << 20

// Gram fills out (a.Rows x b.Rows, row-major) with K(a_i, b_j). Rows go
// in blocks of Chunk examples (default: as many as fit Budget with one
// output) and the traced outputs in groups that keep a block of
// examples x outputs x params within MaxBytes, so memory stays bounded
// whatever the number of outputs (a single gradient row, 8 bytes per
// param, is the floor).
func (k *NTK) Gram(a, b kernel.Matrix, out []float64) error {
	if len(out) != a.Rows*b.Rows {
		return fmt.Errorf("analysis: Gram output has %d entries for %dx%d", len(out), a.Rows, b.Rows)
	}
	clear(out)
	if a.Rows == 0 || b.Rows == 0 {
		return nil
	}
	P := k.M.NumParams()
	O, err := k.M.OutputSize()
	if err != nil {
		return err
	}
	var outs []int
	switch {
	case k.Target == Trace:
		for o := 0; o < O; o++ {
			outs = append(outs, o)
		}
	case k.Target >= 0 && k.Target < O:
		outs = []int{k.Target}
	default:
		return fmt.Errorf("analysis: target %d, but output %q has %d elements per example (or Trace)", k.Target, k.M.Output, O)
	}
	budget := k.MaxBytes
	if budget <= 0 {
		budget = DefaultMaxBytes
	}
	per := 8 * max(P, 1) // bytes per gradient row
	c := k.Chunk
	if c <= 0 {
		c = max(1, budget/per)
	}
	c = min(c, max(a.Rows, b.Rows))
	group := max(1, budget/(per*c))
	same := a.Rows == b.Rows && a.Cols == b.Cols && &a.Data[0] == &b.Data[0]
	for g0 := 0; g0 < len(outs); g0 += group {
		grp := outs[g0:min(g0+group, len(outs))]
		G := len(grp)
		for i0 := 0; i0 < a.Rows; i0 += c {
			i1 := min(i0+c, a.Rows)
			ga, err := k.M.ParamGrads(a.SliceRows(i0, i1), grp)
			if err != nil {
				return err
			}
			for j0 := 0; j0 < b.Rows; j0 += c {
				j1 := min(j0+c, b.Rows)
				gb := ga
				if !same || j0 != i0 {
					if gb, err = k.M.ParamGrads(b.SliceRows(j0, j1), grp); err != nil {
						return err
					}
				}
				// out[i0:i1, j0:j1] += sum_k Ga_k Gb_kᵀ; row i*G+k holds output grp[k].
				for q := 0; q < G; q++ {
					A := blas64.General{Rows: i1 - i0, Cols: P, Stride: G * P, Data: ga.Data[q*P:]}
					B := blas64.General{Rows: j1 - j0, Cols: P, Stride: G * P, Data: gb.Data[q*P:]}
					C := blas64.General{Rows: i1 - i0, Cols: j1 - j0, Stride: b.Rows, Data: out[i0*b.Rows+j0:]}
					blas64.Gemm(blas.NoTrans, blas.Trans, 1, A, B, 1, C)
				}
			}
		}
	}
	return nil
}

// GramFunc wraps the kernel for the kernel solver (train/kernel).
func (k *NTK) GramFunc() kernel.GramFunc {
	return kernel.GramFunc{Name: k.String(), F: k.Gram}
}

// NTKGram is the empirical NTK of output (first if "") of m with respect
// to the float initializers matching paramPattern ("" = all), for output
// element target or Trace, as a kernel for train/kernel.
func NTKGram(m *importer.Model, output, paramPattern string, target int) (kernel.GramFunc, error) {
	params, err := SelectParams(m, paramPattern)
	if err != nil {
		return kernel.GramFunc{}, err
	}
	md, err := New(m, output, params)
	if err != nil {
		return kernel.GramFunc{}, err
	}
	return (&NTK{M: md, Target: target}).GramFunc(), nil
}
