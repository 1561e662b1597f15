package robust

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	_ "github.com/hierlearn/hierlearn/internal/numeric" // BLAS switch: Sgemm on the Go-assembly kernels (OpenBLAS under the openblas tag)
)

// net32 is the training loop's float32 copy of a Net: the forward pass,
// the attack of adversarial training and the parameter gradient on one
// batch in single precision, through blas32's Sgemm (internal/numeric's
// packed kernels), each pre-activation product computed once and used
// for both the scores and the gradient. Train keeps the weights and the
// optimiser in float64 (Net) and refreshes this copy after every step;
// evaluation (Scores, InputGrad, the attacks of Run) stays in float64.
type net32 struct {
	n         *Net
	d, m      int
	w, b      []float32 // the current weights (load)
	w0, b0    []float32 // the weights at initialisation (centred networks)
	x, adv    []float32 // the batch and its attacked copy
	y         []float32 // the batch's labels
	u, u0     []float32 // pre-activations X W^T and X W0^T (rows x m)
	gu, g     []float32 // d(sum_t r_t f)/dU (rows x m) and the input or weight gradient
	f, r      []float32 // scores and per-point weights
	gw        []float32 // weight gradient (m x d)
	gw64, gb  []float64 // the parameter gradient handed to the optimiser
	rowsAlloc int
}

func newNet32(n *Net) *net32 {
	e := &net32{n: n, d: n.D, m: n.Width, w: make([]float32, len(n.W)), b: make([]float32, len(n.B)),
		gw: make([]float32, len(n.W)), gw64: make([]float64, len(n.W)), gb: make([]float64, len(n.B))}
	if n.Center {
		e.w0, e.b0 = toFloat32(nil, n.W0), toFloat32(nil, n.B0)
	}
	e.load()
	return e
}

// load copies the Net's current weights.
func (e *net32) load() {
	toFloat32(e.w, e.n.W)
	toFloat32(e.b, e.n.B)
}

func toFloat32(dst []float32, src []float64) []float32 {
	if dst == nil {
		dst = make([]float32, len(src))
	}
	for i, v := range src {
		dst[i] = float32(v)
	}
	return dst
}

// reserve sizes the per-batch buffers for rows points.
func (e *net32) reserve(rows int) {
	if rows <= e.rowsAlloc {
		return
	}
	e.rowsAlloc = rows
	e.x, e.adv = make([]float32, rows*e.d), make([]float32, rows*e.d)
	e.u, e.gu, e.g = make([]float32, rows*e.m), make([]float32, rows*e.m), make([]float32, rows*e.d)
	if e.n.Center {
		e.u0 = make([]float32, rows*e.m)
	}
	e.f, e.r, e.y = make([]float32, rows), make([]float32, rows), make([]float32, rows)
}

func sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	blas32.Implementation().Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// forward sets U (and U0) for x and returns the scores f (e.f).
func (e *net32) forward(x []float32, rows int) []float32 {
	d, m := e.d, e.m
	sgemm(blas.NoTrans, blas.Trans, rows, m, d, 1, x, d, e.w, d, 0, e.u, m)
	f := e.f[:rows]
	sumSym(f, e.u, e.b, rows, m, 0)
	if e.n.Center {
		sgemm(blas.NoTrans, blas.Trans, rows, m, d, 1, x, d, e.w0, d, 0, e.u0, m)
		sumSym(f, e.u0, e.b0, rows, m, -1)
	}
	s := float32(e.n.Alpha * e.n.A)
	for t := range f {
		f[t] *= s
	}
	return f
}

// sumSym adds sign times sum_j sym(u_tj, b_j) to f_t (sign 0: f_t is set).
func sumSym(f, u, b []float32, rows, m int, sign float32) {
	for t := range rows {
		s := float32(0)
		for j, v := range u[t*m : (t+1)*m] {
			if p := v + b[j]; p > 0 {
				s += p
			}
			if q := b[j] - v; q > 0 {
				s -= q
			}
		}
		if sign == 0 {
			f[t] = s
		} else {
			f[t] += sign * s
		}
	}
}

// dU sets gu_tj = scale r_t du_tj, the derivative of sum_t r_t scale
// sym(u_tj, b_j) in U, for the U of the last forward, and adds the bias
// gradient to gb when it is not nil.
func dU(gu, u, b, r []float32, rows, m int, scale float32, gb []float64) {
	for t := range rows {
		rt := scale * r[t]
		row, g := u[t*m:(t+1)*m], gu[t*m:(t+1)*m]
		for j, v := range row {
			var du, db float32
			if v+b[j] > 0 {
				du, db = 1, 1
			}
			if b[j]-v > 0 {
				du, db = du+1, db-1
			}
			g[j] = rt * du
			if gb != nil && db != 0 {
				gb[j] += float64(rt * db)
			}
		}
	}
}

// inputGrad returns the gradient with respect to x of sum_t r_t f(x_t) for
// the x of the last forward (e.g, rows x d).
func (e *net32) inputGrad(r []float32, rows int) []float32 {
	d, m := e.d, e.m
	s := float32(e.n.Alpha * e.n.A)
	dU(e.gu, e.u, e.b, r, rows, m, s, nil)
	sgemm(blas.NoTrans, blas.NoTrans, rows, d, m, 1, e.gu, m, e.w, d, 0, e.g, d)
	if e.n.Center {
		dU(e.gu, e.u0, e.b0, r, rows, m, s, nil)
		sgemm(blas.NoTrans, blas.NoTrans, rows, d, m, -1, e.gu, m, e.w0, d, 1, e.g, d)
	}
	return e.g[:rows*d]
}

// paramGrad sets gw64 and gb to the gradients with respect to W and B of
// sum_t r_t f(x_t) for the x of the last forward.
func (e *net32) paramGrad(x, r []float32, rows int) {
	d, m := e.d, e.m
	clear(e.gb)
	dU(e.gu, e.u, e.b, r, rows, m, float32(e.n.Alpha*e.n.A), e.gb)
	sgemm(blas.Trans, blas.NoTrans, m, d, rows, 1, e.gu, m, x, d, 0, e.gw, d)
	for i, v := range e.gw {
		e.gw64[i] = float64(v)
	}
}

// attack sets e.adv to the attack a (FGM or PGD from x, no restarts) of
// the batch x with labels y, under the current weights.
func (e *net32) attack(a Attack, x, y []float32, rows int) []float32 {
	d := e.d
	adv := e.adv[:rows*d]
	copy(adv, x)
	if a.Eps == 0 {
		return adv
	}
	r := e.r[:rows]
	for t := range r {
		r[t] = -y[t]
	}
	steps, size := 1, a.Eps
	if a.Method == PGD {
		steps, size = a.Steps, a.StepSize
	}
	for range steps {
		e.forward(adv, rows)
		g := e.inputGrad(r, rows)
		for t := range rows {
			at := adv[t*d : (t+1)*d]
			step(at, g[t*d:(t+1)*d], float32(size), a.Norm)
			project(at, x[t*d:(t+1)*d], float32(a.Eps), a.Norm)
		}
	}
	return adv
}

// batchLossGrad is one step's work on a batch (rows x d, float64) with
// labels y: the attacked batch under adv (Method "" for none), its mean
// logistic loss, and the gradient of the mean loss divided by alpha^2 in
// gw64 and gb.
func (e *net32) batchLossGrad(x64, y64 []float64, rows int, adv Attack) float64 {
	e.reserve(rows)
	d := e.d
	x, y := e.x[:rows*d], e.y[:rows]
	for i, v := range x64[:rows*d] {
		x[i] = float32(v)
	}
	for t, v := range y64[:rows] {
		y[t] = float32(v)
	}
	xb := x
	if adv.Method != "" {
		xb = e.attack(adv.Complete(), x, y, rows)
	}
	f := e.forward(xb, rows)
	// The gradient of mean logistic(y f)/alpha^2 with respect to f is
	// -y sigma(-y f)/(rows alpha^2).
	a2 := e.n.Alpha * e.n.Alpha
	r := e.r[:rows]
	loss := 0.0
	for t := range rows {
		m := y64[t] * float64(f[t])
		loss += softplus(-m)
		r[t] = float32(-y64[t] * sigmoid(-m) / (float64(rows) * a2))
	}
	e.paramGrad(xb, r, rows)
	return loss / float64(rows)
}

// norm2 is the Euclidean norm of v, accumulated in float64.
func norm2[T float32 | float64](v []T) float64 {
	ss := 0.0
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	return math.Sqrt(ss)
}
