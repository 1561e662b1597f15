package kernel

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/hierlearn/hierlearn/internal/errkind"
)

// Predictor forms.
const (
	// FormDual: f(x) = sum_i Alpha_i k(x, Centers_i), Centers the training
	// points (exact, CG) or the landmarks (Nystrom).
	FormDual = "dual"
	// FormPrimal: f(x) = phi(x) Beta, phi a feature map (random features).
	FormPrimal = "primal"
)

// Predictor is a fitted kernel model. Outputs are one column for
// regression and binary classification (predict the sign), one per class
// for multiclass (predict the argmax).
type Predictor struct {
	Kernel  Kernel
	Task    string
	D       int // input dimension
	Classes int // outputs for multiclass, else 0
	Form    string
	Centers Matrix // dual form: m×D
	Alpha   Matrix // dual form: m×outputs
	Beta    Matrix // primal form: Width×outputs
}

// predictBlock bounds the test rows per Gram block.
const predictBlock = 2048

// Predict returns the model's outputs for every row of x.
func (p *Predictor) Predict(x Matrix) (Matrix, error) {
	if x.Cols != p.D {
		return Matrix{}, errkind.Mark(ErrShape, fmt.Errorf("predict: inputs have %d columns, the model was fitted on %d", x.Cols, p.D))
	}
	if err := x.Check("predict inputs"); err != nil {
		return Matrix{}, err
	}
	switch p.Form {
	case FormPrimal:
		fm, ok := AsFeatureMap(p.Kernel)
		if !ok {
			return Matrix{}, fmt.Errorf("predict: kernel %s has no feature map", p.Kernel)
		}
		out := NewMatrix(x.Rows, p.Beta.Cols)
		for r0 := 0; r0 < x.Rows; r0 += predictBlock {
			r1 := min(r0+predictBlock, x.Rows)
			phi, err := fm.Features(x.SliceRows(r0, r1))
			if err != nil {
				return Matrix{}, err
			}
			gemmNN(phi, p.Beta, out.SliceRows(r0, r1))
		}
		return out, nil
	case FormDual:
		out := NewMatrix(x.Rows, p.Alpha.Cols)
		m := p.Centers.Rows
		buf := make([]float64, min(predictBlock, x.Rows)*m)
		for r0 := 0; r0 < x.Rows; r0 += predictBlock {
			r1 := min(r0+predictBlock, x.Rows)
			g := buf[:(r1-r0)*m]
			if err := p.Kernel.Gram(x.SliceRows(r0, r1), p.Centers, g); err != nil {
				return Matrix{}, err
			}
			gemmNN(Matrix{Rows: r1 - r0, Cols: m, Data: g}, p.Alpha, out.SliceRows(r0, r1))
		}
		return out, nil
	}
	return Matrix{}, fmt.Errorf("predict: unknown predictor form %q", p.Form)
}

// gemmNN writes a b into out.
func gemmNN(a, b, out Matrix) {
	if a.Rows == 0 || b.Cols == 0 {
		return
	}
	if a.Cols == 0 {
		clear(out.Data)
		return
	}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: a.Rows, Cols: a.Cols, Stride: a.Cols, Data: a.Data},
		blas64.General{Rows: b.Rows, Cols: b.Cols, Stride: b.Cols, Data: b.Data},
		0, blas64.General{Rows: out.Rows, Cols: out.Cols, Stride: out.Cols, Data: out.Data})
}
