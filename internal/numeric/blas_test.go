package numeric

import (
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

func TestBLASSwitchComputes(t *testing.T) {
	name := BLASName()
	if OpenBLAS != strings.HasPrefix(name, "openblas") {
		t.Fatalf("OpenBLAS=%v but BLASName=%q", OpenBLAS, name)
	}
	// 2x2 GEMM through whichever BLAS is active.
	a := blas64.General{Rows: 2, Cols: 2, Stride: 2, Data: []float64{1, 2, 3, 4}}
	b := blas64.General{Rows: 2, Cols: 2, Stride: 2, Data: []float64{5, 6, 7, 8}}
	c := blas64.General{Rows: 2, Cols: 2, Stride: 2, Data: make([]float64, 4)}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, a, b, 0, c)
	want := []float64{19, 22, 43, 50}
	for i := range want {
		if c.Data[i] != want[i] {
			t.Fatalf("gemm = %v, want %v", c.Data, want)
		}
	}
}
