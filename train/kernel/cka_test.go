package kernel

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// ckaTol bounds the float64 rounding of CKA on these small problems
// (measured below 1e-15).
const ckaTol = 1e-12

func randMatrix(r *rand.Rand, n, p int) Matrix {
	m := NewMatrix(n, p)
	for i := range m.Data {
		m.Data[i] = r.NormFloat64()
	}
	return m
}

// rotate returns x q for a random p x p orthogonal q (QR of a Gaussian
// matrix) times the scale s.
func rotate(r *rand.Rand, x Matrix, s float64) Matrix {
	g := mat.NewDense(x.Cols, x.Cols, randMatrix(r, x.Cols, x.Cols).Data)
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	var out mat.Dense
	out.Mul(mat.NewDense(x.Rows, x.Cols, x.Data), &q)
	out.Scale(s, &out)
	return Matrix{Rows: x.Rows, Cols: x.Cols, Data: out.RawMatrix().Data}
}

func TestLinearCKA(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := randMatrix(r, 30, 5)
	y := randMatrix(r, 30, 7)
	wide := randMatrix(r, 30, 200)
	base, err := LinearCKA(x, y)
	if err != nil {
		t.Fatal(err)
	}
	// The numbers of the known example: numpy, on the column-centred
	// features, ||Yᵀ X||²_F / (||Xᵀ X||_F ||Yᵀ Y||_F).
	known := Matrix{Rows: 4, Cols: 2, Data: []float64{1, 2, 3, 1, 0, 4, 2, 2}}
	knownY := Matrix{Rows: 4, Cols: 3, Data: []float64{1, 0, 2, 0, 1, 1, 2, 2, 0, 5, 1, 1}}
	firstCol := Matrix{Rows: 4, Cols: 1, Data: []float64{1, 3, 0, 2}}
	for _, c := range []struct {
		name string
		x, y Matrix
		want float64
	}{
		{"itself", x, x, 1},
		{"itself, wide (p > n)", wide, wide, 1},
		{"rotated and scaled x", rotate(r, x, 3.7), y, base},
		{"rotated y", x, rotate(r, y, 0.01), base},
		{"shifted x (centring)", shift(x, 5), y, base},
		{"numpy example", known, knownY, 0.10875991969692543},
		{"numpy example, one column", known, firstCol, 0.9643908339592183},
		{"symmetric", y, x, base},
	} {
		got, err := LinearCKA(c.x, c.y)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if math.Abs(got-c.want) > ckaTol {
			t.Errorf("%s: CKA %.17g, want %.17g", c.name, got, c.want)
		}
	}
	if !(base > 0 && base < 1) {
		t.Errorf("CKA of independent features %v: want in (0, 1)", base)
	}
	// Not invariant to anisotropic scaling: the check above can fail.
	aniso := NewMatrix(x.Rows, x.Cols)
	for i, v := range x.Data {
		aniso.Data[i] = v * float64(1+9*(i%x.Cols))
	}
	if got, _ := LinearCKA(aniso, y); math.Abs(got-base) < 1e-3 {
		t.Errorf("anisotropic scaling left CKA at %v (was %v)", got, base)
	}
}

func shift(x Matrix, by float64) Matrix {
	out := NewMatrix(x.Rows, x.Cols)
	for i, v := range x.Data {
		out.Data[i] = v + by
	}
	return out
}

func TestLinearCKAErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x := randMatrix(r, 10, 3)
	if _, err := LinearCKA(x, randMatrix(r, 9, 3)); !errors.Is(err, ErrShape) {
		t.Errorf("rows 10 and 9: %v, want ErrShape", err)
	}
	if _, err := LinearCKA(shift(NewMatrix(10, 2), 1), x); err == nil {
		t.Error("constant features: no error")
	}
	bad := randMatrix(r, 10, 3)
	bad.Data[4] = math.NaN()
	if _, err := LinearCKA(x, bad); err == nil {
		t.Error("NaN features: no error")
	}
	if _, err := GramCKA(make([]float64, 9), make([]float64, 4), 3); !errors.Is(err, ErrShape) {
		t.Errorf("Grams of the wrong size: %v, want ErrShape", err)
	}
}

func ExampleLinearCKA() {
	x := Matrix{Rows: 4, Cols: 2, Data: []float64{1, 2, 3, 1, 0, 4, 2, 2}}
	y := Matrix{Rows: 4, Cols: 2, Data: []float64{2, 4, 6, 2, 0, 8, 4, 4}} // 2x
	c, _ := LinearCKA(x, y)
	fmt.Printf("%.3f\n", c)
	// Output: 1.000
}
