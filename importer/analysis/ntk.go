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
	Chunk  int // examples per gradient block (0: sized for ~256 MiB)
}

func (k *NTK) String() string {
	t := fmt.Sprint(k.Target)
	if k.Target == Trace {
		t = "trace"
	}
	return fmt.Sprintf("empirical-ntk(%s[%s])", k.M.Output, t)
}

func (k *NTK) chunk() int {
	if k.Chunk > 0 {
		return k.Chunk
	}
	var P int
	for _, p := range k.M.GS.Params() {
		P += k.M.GS.Param(p).Len()
	}
	return max(1, (256<<20)/(8*max(P, 1)))
}

// Gram fills out (a.Rows x b.Rows, row-major) with K(a_i, b_j).
func (k *NTK) Gram(a, b kernel.Matrix, out []float64) error {
	if len(out) != a.Rows*b.Rows {
		return fmt.Errorf("analysis: Gram output has %d entries for %dx%d", len(out), a.Rows, b.Rows)
	}
	clear(out)
	c := k.chunk()
	same := a.Rows == b.Rows && a.Cols == b.Cols && len(a.Data) > 0 && &a.Data[0] == &b.Data[0]
	for i0 := 0; i0 < a.Rows; i0 += c {
		i1 := min(i0+c, a.Rows)
		ga, outs, err := k.M.ParamGrads(a.SliceRows(i0, i1), k.Target)
		if err != nil {
			return err
		}
		for j0 := 0; j0 < b.Rows; j0 += c {
			j1 := min(j0+c, b.Rows)
			gb := ga
			if !same || j0 != i0 {
				if gb, _, err = k.M.ParamGrads(b.SliceRows(j0, j1), k.Target); err != nil {
					return err
				}
			}
			P := ga.Cols
			// out[i0:i1, j0:j1] += sum_o Ga_o Gb_oᵀ; row i*outs+o holds output o.
			for o := 0; o < outs; o++ {
				A := blas64.General{Rows: i1 - i0, Cols: P, Stride: outs * P, Data: ga.Data[o*P:]}
				B := blas64.General{Rows: j1 - j0, Cols: P, Stride: outs * P, Data: gb.Data[o*P:]}
				C := blas64.General{Rows: i1 - i0, Cols: j1 - j0, Stride: b.Rows, Data: out[i0*b.Rows+j0:]}
				blas64.Gemm(blas.NoTrans, blas.Trans, 1, A, B, 1, C)
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
