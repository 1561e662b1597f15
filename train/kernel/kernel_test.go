package kernel

import (
	"errors"
	"math"
	"testing"

	"github.com/hierlearn/hierlearn/internal/numeric"
)

var allSpecs = []string{"linear", "poly:2", "poly:4", "poly:3:c=0.5", "rbf", "rbf:gamma=0.3",
	"ntk:2", "ntk:5", "nngp:2", "nngp:4", "comp", "comp:2", "comp:4", "comp:4:chain", "comp:3:dense"}

func TestParseRoundTrip(t *testing.T) {
	for _, spec := range append(allSpecs, "rf-relu:64", "rf-quad:8") {
		k, err := Parse(spec, 1)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		want := spec
		switch spec {
		case "comp":
			want = "comp:3"
		case "linear":
			want = "poly:1:c=0"
		}
		if k.String() != want {
			t.Errorf("Parse(%q).String() = %q, want %q", spec, k.String(), want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, spec := range []string{"", "poly", "poly:x", "poly:0", "poly:2:c=-1", "poly:2:d=1", "rbf:gamma=0",
		"rbf:gamma=abc", "rbf:0.1", "ntk", "ntk:1", "ntk:two", "comp:1", "comp:3:wide", "comp:99",
		"rf-relu", "rf-relu:0", "gauss", "linear:2", "poly:2:c=1:extra"} {
		if _, err := Parse(spec, 1); !errors.Is(err, ErrSpec) {
			t.Errorf("Parse(%q): err = %v, want ErrSpec", spec, err)
		}
	}
}

// TestKernelValues checks closed forms computed by hand.
func TestKernelValues(t *testing.T) {
	x := Matrix{Rows: 1, Cols: 2, Data: []float64{1, 2}}  // |x|^2 = 5, d = 2
	y := Matrix{Rows: 1, Cols: 2, Data: []float64{3, -1}} // <x,y> = 1, |x-y|^2 = 13
	s0xx := 5.0/2 + 1                                     // Sigma^0(x, x) on [x/sqrt(d), 1]
	cases := []struct {
		spec string
		a, b Matrix
		want float64
	}{
		{"poly:3", x, y, math.Pow(0.5+1, 3)},
		{"poly:2:c=0.5", x, y, 1.0},
		{"rbf", x, y, math.Exp(-13.0 / 4)},
		{"rbf:gamma=0.1", x, y, math.Exp(-1.3)},
		{"rbf", x, x, 1},
		// On the diagonal the angle is 0: Sigma^h = Sigma^0, Sigma-dot = 1,
		// so the depth-D NTK is D Sigma^0 and the NNGP Sigma^0.
		{"ntk:2", x, x, 2 * s0xx},
		{"ntk:7", x, x, 7 * s0xx},
		{"nngp:3", x, x, s0xx},
		// Orthogonal z (cos = 0, angle pi/2): Sigma^1 = |z||z'|/pi,
		// Sigma-dot = 1/2.
		{"ntk:2", Matrix{Rows: 1, Cols: 1, Data: []float64{1}}, Matrix{Rows: 1, Cols: 1, Data: []float64{-1}},
			0*0.5 + math.Sqrt(2*2)/math.Pi},
		// comp:2 with J_2 = {0, 1}: Sigma = (<x,y>/d + <h(x),h(y)>/d)/2,
		// h = (x^2-1)/sqrt(2): h(x) = (0, 1.5*sqrt2), h(y) = (4*sqrt2, 0).
		{"comp:2", x, y, 1 + ((5.0/2+4.5/2)/2*(10.0/2+32.0/2)/2+2*math.Pow((1.0/2+0)/2, 2))/3},
	}
	for _, c := range cases {
		k, err := Parse(c.spec, 1)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float64, 1)
		if err := k.Gram(c.a, c.b, out); err != nil {
			t.Fatal(err)
		}
		if math.Abs(out[0]-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
			t.Errorf("%s = %.15g, want %.15g", c.spec, out[0], c.want)
		}
	}
}

// TestSymGramMatchesGram checks the DSYRK path against the DGEMM path,
// and that every kernel's Gram matrix is positive definite (Cholesky
// succeeds with a tiny ridge).
func TestSymGramMatchesGram(t *testing.T) {
	x := gaussian(70, 6, 1)
	for _, spec := range append(allSpecs, "rf-relu:50", "rf-quad:40") {
		k, err := Parse(spec, 3)
		if err != nil {
			t.Fatal(err)
		}
		n := x.Rows
		sym := make([]float64, n*n)
		full := make([]float64, n*n)
		if err := SymGram(k, x, sym); err != nil {
			t.Fatal(err)
		}
		// A copy of x so that the general path is taken.
		xc := Matrix{Rows: n, Cols: x.Cols, Data: append([]float64(nil), x.Data...)}
		if err := Gram(k, x, xc, full); err != nil {
			t.Fatal(err)
		}
		if d := relDiff(sym, full); d > 1e-13 {
			t.Errorf("%s: SymGram differs from Gram by %g", spec, d)
		}
		if spec == "linear" || spec[:3] == "rf-" {
			continue // rank-deficient by construction
		}
		tr := 0.0
		for i := 0; i < n; i++ {
			tr += sym[i*n+i]
		}
		for i := 0; i < n; i++ {
			sym[i*n+i] += 1e-10 * tr / float64(n)
		}
		if err := numeric.Cholesky(n, sym, n); err != nil {
			t.Errorf("%s: Gram not positive definite: %v", spec, err)
		}
	}
}

// TestGramMatchesNumpy compares every closed-form kernel with the
// independent numpy implementation in tools/kernel_ref.py.
func TestGramMatchesNumpy(t *testing.T) {
	a := gaussian(40, 7, 11)
	b := gaussian(25, 7, 12)
	for _, spec := range allSpecs {
		if spec == "linear" {
			continue
		}
		t.Run(spec, func(t *testing.T) {
			k, err := Parse(spec, 1)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float64, a.Rows*b.Rows)
			if err := k.Gram(a, b, got); err != nil {
				t.Fatal(err)
			}
			ref := runRef(t, map[string]Matrix{"a": a, "b": b}, "gram", "--kernel", spec)
			want, err := ref.Get("K")
			if err != nil {
				t.Fatal(err)
			}
			if d := relDiff(got, want.Float64s()); d > 1e-12 {
				t.Errorf("max relative difference to numpy %g > 1e-12", d)
			}
		})
	}
}
