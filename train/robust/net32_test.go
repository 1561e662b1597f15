package robust

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// paramGrad is the float64 reference of net32's parameter gradient: f on
// the points and the gradients of sum_t r_t f(x_t) with respect to W
// (Width x D) and B.
func (n *Net) paramGrad(x []float64, rows int, r []float64) (f, gw, gb []float64) {
	f = n.Scores(x, rows)
	ra := scaledCopy(r, n.Alpha)
	_, gu, gb := n.half(x, rows, n.W, n.B, ra)
	gw = make([]float64, n.Width*n.D)
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, gen(rows, n.Width, gu), gen(rows, n.D, x), 0, gen(n.Width, n.D, gw))
	return f, gw, gb
}

// net32Tol bounds net32's relative difference from the float64 Net
// (single precision on sums of about 100 terms; seen: below 1e-6).
const net32Tol = 1e-5

// relDiff is max |a - b| over max |b|.
func relDiff[T float32 | float64](a []T, b []float64) float64 {
	worst, scale := 0.0, 0.0
	for i, v := range b {
		worst = math.Max(worst, math.Abs(float64(a[i])-v))
		scale = math.Max(scale, math.Abs(v))
	}
	return worst / scale
}

// The float32 training copy computes the scores, the input gradient, the
// parameter gradient of the mean logistic loss and the attacks of the
// float64 Net, for the feature-learning and the centred NTK-regime
// network.
func TestNet32MatchesNet(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	d, rows := 24, 9
	x := randVec(r, rows*d, 1)
	y := make([]float64, rows)
	for i := range y {
		y[i] = float64(2*(i%2) - 1)
	}
	ntk := NewNet(d, 17, 1, 0.05, 30, true, 4)
	for i := range ntk.W { // move away from initialisation
		ntk.W[i] += 0.1 * r.NormFloat64()
	}
	for _, n := range []*Net{NewNet(d, 17, 1, -0.1, 1, false, 3), ntk} {
		e := newNet32(n)
		e.reserve(rows)
		x32 := toFloat32(nil, x)
		if got := relDiff(e.forward(x32, rows), n.Scores(x, rows)); got > net32Tol {
			t.Errorf("center %v: scores differ by %.3g", n.Center, got)
		}
		w := randVec(r, rows, 1)
		if got := relDiff(e.inputGrad(toFloat32(nil, w), rows), n.InputGrad(x, rows, w)); got > net32Tol {
			t.Errorf("center %v: input gradients differ by %.3g", n.Center, got)
		}
		// The loss gradient is paramGrad with r_t = -y_t sigma(-y_t f_t)/(rows alpha^2).
		loss := e.batchLossGrad(x, y, rows, Attack{})
		f := n.Scores(x, rows)
		want := 0.0
		for t, v := range f {
			want += softplus(-y[t] * v)
			w[t] = -y[t] * sigmoid(-y[t]*v) / (float64(rows) * n.Alpha * n.Alpha)
		}
		if math.Abs(loss-want/float64(rows)) > net32Tol {
			t.Errorf("center %v: loss %v, want %v", n.Center, loss, want/float64(rows))
		}
		_, gw, gb := n.paramGrad(x, rows, w)
		if got := max(relDiff(e.gw64, gw), relDiff(e.gb, gb)); got > net32Tol {
			t.Errorf("center %v: parameter gradients differ by %.3g", n.Center, got)
		}
		for _, a := range []Attack{{Method: FGM, Norm: L2, Eps: 0.3}, {Method: PGD, Norm: LInf, Eps: 0.05, Steps: 4}} {
			a = a.Complete()
			got := e.attack(a, x32, toFloat32(nil, y), rows)
			if d := relDiff(got, a.Perturb(n, x, y, rows)); d > net32Tol {
				t.Errorf("center %v: %s differs by %.3g", n.Center, a, d)
			}
		}
	}
}
