package kernel

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/hierlearn/hierlearn/internal/errkind"
)

// Kernel is a positive semi-definite kernel k(x, y) on R^d.
type Kernel interface {
	// String is the kernel's spec, as Parse reads it back.
	String() string
	// Gram writes k(a_i, b_j) into out (a.Rows×b.Rows, row-major).
	// a.Cols == b.Cols is the caller's promise.
	Gram(a, b Matrix, out []float64) error
}

// FeatureMap is a kernel given by explicit features: k(x, y) = <phi(x),
// phi(y)>. Random features are one; the conjugate kernel (penultimate
// features) of an imported network is another. The solver fits a feature
// map in the primal (ridge on the features) when Width < n.
type FeatureMap interface {
	String() string
	// Width is the number of features for inputs of dimension d.
	Width(d int) int
	// Features returns phi(x) for every row of x (x.Rows×Width).
	Features(x Matrix) (Matrix, error)
}

// GramFunc turns a function that fills Gram blocks into a Kernel: the
// hook for empirical kernels (an imported model's NTK) that have no
// closed form. Such a kernel can be fitted and used for predictions in
// memory, but a Predictor holding it cannot be saved.
type GramFunc struct {
	Name string
	F    func(a, b Matrix, out []float64) error
}

func (g GramFunc) String() string { return g.Name }

// Gram calls g.F.
func (g GramFunc) Gram(a, b Matrix, out []float64) error { return g.F(a, b, out) }

// FeatureKernel is the Kernel <phi(x), phi(y)> of a FeatureMap.
type FeatureKernel struct{ Map FeatureMap }

func (f FeatureKernel) String() string { return f.Map.String() }

// Gram computes phi(a) phi(b)ᵀ.
func (f FeatureKernel) Gram(a, b Matrix, out []float64) error {
	pa, err := f.Map.Features(a)
	if err != nil {
		return err
	}
	pb := pa
	if !sameMatrix(a, b) {
		if pb, err = f.Map.Features(b); err != nil {
			return err
		}
	}
	if pa.Cols != pb.Cols {
		return errkind.Mark(ErrShape, fmt.Errorf("kernel %s: feature widths %d and %d differ", f, pa.Cols, pb.Cols))
	}
	gemmNT(pa, pb, out)
	return nil
}

func sameMatrix(a, b Matrix) bool {
	return a.Rows == b.Rows && a.Cols == b.Cols && (len(a.Data) == 0 || &a.Data[0] == &b.Data[0])
}

// gemmNT writes a bᵀ into out (a.Rows×b.Rows).
func gemmNT(a, b Matrix, out []float64) {
	if a.Rows == 0 || b.Rows == 0 {
		return
	}
	if a.Cols == 0 {
		clear(out[:a.Rows*b.Rows])
		return
	}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1,
		blas64.General{Rows: a.Rows, Cols: a.Cols, Stride: a.Cols, Data: a.Data},
		blas64.General{Rows: b.Rows, Cols: b.Cols, Stride: b.Cols, Data: b.Data},
		0, blas64.General{Rows: a.Rows, Cols: b.Rows, Stride: b.Rows, Data: out})
}
