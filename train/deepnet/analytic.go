package deepnet

import (
	"fmt"
	"math"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/numeric"
)

// Limit is the infinite-width limit of a network in the NTK
// parameterisation on a set of points: its NTK Theta and the covariance
// NNGP of its output at initialisation (f_0 is the Gaussian process with
// this covariance), both Rows x Cols, row-major.
type Limit struct {
	Rows, Cols int
	Theta      []float64
	NNGP       []float64
}

// AnalyticNTK returns the infinite-width NTK and NNGP kernel of the
// network of NewNet in the NTK parameterisation with depth weight layers
// (every layer trained, no biases, hidden gain 2, output gain 1) between
// the ra points a and the rb points b (row-major, d inputs each). With
// Sigma_1(x, x') = (2/d) x.x' and Theta_1 = Sigma_1, every further layer
// l+1 with gain s applies the arc-cosine kernels of degree 1 and 0 (Cho &
// Saul 2009; Jacot, Gabriel & Hongler 2018, arXiv 1806.07572):
//
//	Sigma_{l+1}  = s E[relu(u) relu(v)] = s sqrt(ab)/(2 pi) (sin t + (pi - t) cos t)
//	Sigma'_{l+1} = s E[1(u>0) 1(v>0)]   = s (pi - t)/(2 pi)
//	Theta_{l+1}  = Sigma_{l+1} + Theta_l Sigma'_{l+1}
//
// for (u, v) Gaussian with variances a, b and covariance c = Sigma_l(x,
// x'), cos t = c / sqrt(ab); the output layer has s = 1.
func AnalyticNTK(depth, d int, a []float64, ra int, b []float64, rb int) (*Limit, error) {
	if depth < MinDepth || depth > MaxDepth {
		return nil, fmt.Errorf("%w: depth %d: want %d..%d weight layers", ErrConfig, depth, MinDepth, MaxDepth)
	}
	if d < 1 || ra < 0 || rb < 0 || len(a) != ra*d || len(b) != rb*d {
		return nil, fmt.Errorf("%w: analytic NTK of %d and %d points of dimension %d with %d and %d values", ErrConfig, ra, rb, d, len(a), len(b))
	}
	dot := func(x, y []float64) float64 {
		var s float64
		for i := range x {
			s += x[i] * y[i]
		}
		return 2 * s / float64(d)
	}
	// The variances Sigma_l(x, x) of every point, and the cross kernels.
	va, vb := make([]float64, ra), make([]float64, rb)
	for i := range ra {
		va[i] = dot(a[i*d:(i+1)*d], a[i*d:(i+1)*d])
	}
	for j := range rb {
		vb[j] = dot(b[j*d:(j+1)*d], b[j*d:(j+1)*d])
	}
	sig := make([]float64, ra*rb)
	for i := range ra {
		for j := range rb {
			sig[i*rb+j] = dot(a[i*d:(i+1)*d], b[j*d:(j+1)*d])
		}
	}
	theta := append([]float64(nil), sig...)
	for l := 1; l < depth; l++ {
		s := 2.0
		if l == depth-1 {
			s = 1
		}
		for i := range ra {
			for j := range rb {
				k := i*rb + j
				norm := math.Sqrt(va[i] * vb[j])
				if norm == 0 { // a zero input: every unit is off or at zero
					sig[k], theta[k] = 0, 0
					continue
				}
				t := math.Acos(max(-1, min(1, sig[k]/norm)))
				sig[k] = s * norm / (2 * math.Pi) * (math.Sin(t) + (math.Pi-t)*math.Cos(t))
				theta[k] = sig[k] + theta[k]*s*(math.Pi-t)/(2*math.Pi)
			}
		}
		for i := range va {
			va[i] *= s / 2
		}
		for j := range vb {
			vb[j] *= s / 2
		}
	}
	return &Limit{Rows: ra, Cols: rb, Theta: theta, NNGP: sig}, nil
}

// LinearisedLoss returns the training loss (1/2n) ||r_t||^2 at steps 0..steps
// of gradient descent with step size lr on the linearised model with
// kernel k (n x n, symmetric, row-major): r_{t+1} = (I - lr k/n) r_t from
// r_0. With cov (n x n, or nil) the residual is r_0 + e, e a centred
// Gaussian with that covariance (the initial output of an uncentred
// network at infinite width, cov its NNGP kernel), and the loss is its
// expectation:
//
//	E loss_t = (1/2n) sum_j (1 - lr lambda_j/n)^(2t) ((v_j.r_0)^2 + v_j' cov v_j)
//
// over the eigenpairs (lambda_j, v_j) of k.
func LinearisedLoss(k []float64, n int, r0, cov []float64, lr float64, steps int) ([]float64, error) {
	if n < 1 || len(k) != n*n || len(r0) != n || (cov != nil && len(cov) != n*n) || steps < 0 {
		return nil, fmt.Errorf("%w: linearised loss of a %d-value kernel, %d residuals and n=%d", ErrConfig, len(k), len(r0), n)
	}
	v := append([]float64(nil), k...)
	lam := make([]float64, n)
	if err := numeric.SymEig(n, v, lam); err != nil {
		return nil, fmt.Errorf("deepnet: eigendecomposition of the kernel: %w", err)
	}
	weight := make([]float64, n) // (v_j.r_0)^2 + v_j' cov v_j
	col := make([]float64, n)
	for j := range n {
		var p float64
		for i := range n {
			col[i] = v[i*n+j]
			p += col[i] * r0[i]
		}
		weight[j] = p * p
		if cov != nil {
			for i := range n {
				var s float64
				for m := range n {
					s += cov[i*n+m] * col[m]
				}
				weight[j] += col[i] * s
			}
		}
	}
	loss := make([]float64, steps+1)
	for j := range n {
		q := (1 - lr*lam[j]/float64(n)) * (1 - lr*lam[j]/float64(n))
		w := weight[j]
		for t := range loss {
			loss[t] += w
			w *= q
		}
	}
	for t := range loss {
		loss[t] /= 2 * float64(n)
	}
	return loss, nil
}

// referenceRates sets the convergence rates of full-batch GD with the same
// step size and steps from the same initial training residual r_0 = y -
// alpha f_0 (y with Center; f0 is nil unless Center) on three linear
// models, fitted as the network's is: LinConvRate with the network's own
// initial NTK K_0 (what the network would do if it stayed linear),
// FinConvRate with its NTK K_T at the end of training (net; what it would
// do with the kernel it ends with), and in the NTK parameterisation
// InfConvRate with the analytic infinite-width NTK (what it does as the
// width grows with this r_0).
func referenceRates(net0, net *Net, cfg Config, tr *concept.Dataset, f0 []float64, res *Result) error {
	n := tr.N
	r0 := append([]float64(nil), tr.Y...)
	if f0 == nil {
		for i, v := range net0.Predict(tr.X, n) {
			r0[i] -= cfg.alpha() * v
		}
	}
	steps := make([]int, cfg.Steps+1)
	for i := range steps {
		steps[i] = i
	}
	rate := func(k []float64) (*float64, error) {
		loss, err := LinearisedLoss(k, n, r0, nil, cfg.stepSize(), cfg.Steps)
		if err != nil {
			return nil, err
		}
		if r, _ := ConvRate(steps, loss, cfg.Steps/2); !math.IsNaN(r) {
			return &r, nil
		}
		return nil, nil
	}
	tg, _ := net0.tangents(tr.X, n)
	k := net0.kernel(tg, tg)
	// The NTK of p = alpha f is alpha^2 K_0 and the objective divides by
	// alpha^2: r_{t+1} = (I - lr K_0/n) r_t at every alpha.
	var err error
	if res.LinConvRate, err = rate(k); err != nil {
		return err
	}
	tgT, _ := net.tangents(tr.X, n)
	if res.FinConvRate, err = rate(net.kernel(tgT, tgT)); err != nil {
		return err
	}
	if cfg.Param != NTK {
		return nil
	}
	lim, err := AnalyticNTK(cfg.Depth, tr.D, tr.X, n, tr.X, n)
	if err != nil {
		return err
	}
	res.InfConvRate, err = rate(lim.Theta)
	return err
}
