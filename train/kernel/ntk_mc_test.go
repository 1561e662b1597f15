package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// empiricalNTK is the empirical NTK of one random two-layer ReLU network
// f(z) = sqrt(2/m) sum_r a_r relu(w_r.z), z = [x/sqrt(d), 1],
// w_r ~ N(0, I), a_r ~ N(0, 1), as a FeatureMap: its features are the
// gradient of f with respect to every parameter,
//
//	df/da_r = sqrt(2/m) relu(w_r.z),  df/dw_r = sqrt(2/m) a_r 1{w_r.z > 0} z.
type empiricalNTK struct {
	w Matrix // m×(d+1)
	a []float64
}

func newEmpiricalNTK(m, d int, seed uint64) *empiricalNTK {
	rng := rand.New(rand.NewPCG(seed, 99))
	e := &empiricalNTK{w: NewMatrix(m, d+1), a: make([]float64, m)}
	for i := range e.w.Data {
		e.w.Data[i] = rng.NormFloat64()
	}
	for i := range e.a {
		e.a[i] = rng.NormFloat64()
	}
	return e
}

func (e *empiricalNTK) String() string  { return "empirical-ntk" }
func (e *empiricalNTK) Width(d int) int { return e.w.Rows * (d + 2) }
func (e *empiricalNTK) Features(x Matrix) (Matrix, error) {
	m, d := e.w.Rows, x.Cols
	z := inputLift(x)
	out := NewMatrix(x.Rows, m*(d+2))
	s := math.Sqrt(2 / float64(m))
	for i := 0; i < x.Rows; i++ {
		zi, o := z.Row(i), out.Row(i)
		for r := 0; r < m; r++ {
			u := dot(e.w.Row(r), zi)
			if u > 0 {
				o[r] = s * u
				for j, v := range zi {
					o[m+r*(d+1)+j] = s * e.a[r] * v
				}
			}
		}
	}
	return out, nil
}

// terms returns the m iid per-unit terms whose mean is the empirical NTK
// at (x, y): 2 [relu(u_r) relu(v_r) + a_r^2 1{u_r>0} 1{v_r>0} <z_x, z_y>].
func (e *empiricalNTK) terms(zx, zy []float64) []float64 {
	t := make([]float64, e.w.Rows)
	zz := dot(zx, zy)
	for r := range t {
		u, v := dot(e.w.Row(r), zx), dot(e.w.Row(r), zy)
		if u > 0 && v > 0 {
			t[r] = 2 * (u*v + e.a[r]*e.a[r]*zz)
		}
	}
	return t
}

// TestEmpiricalNTKConverges: at width 50,000 the empirical NTK of a
// random ReLU network (through the FeatureMap interface) matches the
// analytic ntk:2 within 5 Monte-Carlo standard errors on every pair, the
// SE estimated from the m iid per-unit terms. With 36 pairs a chance
// failure has probability below 36 * 6e-7. Deliberately wrong kernels
// must fail the same bound, which shows it has the power to catch a bug.
func TestEmpiricalNTKConverges(t *testing.T) {
	const m, d, npts = 50000, 5, 8
	x := gaussian(npts, d, 21)
	// A near-parallel and an antipodal pair exercise the angle's extremes.
	copy(x.Row(6), x.Row(0))
	x.Row(6)[0] += 0.05
	for j := range x.Row(7) {
		x.Row(7)[j] = -x.Row(1)[j]
	}
	e := newEmpiricalNTK(m, d, 5)
	emp := make([]float64, npts*npts)
	if err := (FeatureKernel{Map: e}).Gram(x, x, emp); err != nil {
		t.Fatal(err)
	}
	z := inputLift(x)
	type pair struct{ i, j int }
	var pairs []pair
	se := map[pair]float64{}
	for i := 0; i < npts; i++ {
		for j := 0; j <= i; j++ {
			p := pair{i, j}
			pairs = append(pairs, p)
			terms := e.terms(z.Row(i), z.Row(j))
			var mean, ss float64
			for _, v := range terms {
				mean += v / m
			}
			for _, v := range terms {
				ss += (v - mean) * (v - mean)
			}
			if math.Abs(mean-emp[i*npts+j]) > 1e-9*math.Abs(mean) {
				t.Fatalf("feature-map Gram %g != mean of terms %g", emp[i*npts+j], mean)
			}
			se[p] = math.Sqrt(ss / (m - 1) / m)
		}
	}
	maxZ := func(k Kernel, scale float64) float64 {
		g := make([]float64, npts*npts)
		if err := k.Gram(x, x, g); err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for _, p := range pairs {
			worst = math.Max(worst, math.Abs(emp[p.i*npts+p.j]-scale*g[p.i*npts+p.j])/se[p])
		}
		return worst
	}
	const bound = 5
	if zmax := maxZ(ReLU{Depth: 2}, 1); zmax > bound {
		t.Errorf("empirical NTK at width %d is %.1f standard errors from ntk:2 (bound %d)", m, zmax, bound)
	} else {
		t.Logf("ntk:2: max |z| = %.2f over %d pairs", zmax, len(pairs))
	}
	wrong := []struct {
		name  string
		k     Kernel
		scale float64
	}{
		{"nngp:2 (no gradient term)", ReLU{Depth: 2, NNGP: true}, 1},
		{"ntk:3 (wrong depth)", ReLU{Depth: 3}, 1},
		{"ntk:2 scaled by 1.05", ReLU{Depth: 2}, 1.05},
		{"ntk:2 with Sigma-dot halved", GramFunc{Name: "half-dot", F: func(a, b Matrix, out []float64) error {
			za, zb := inputLift(a), inputLift(b)
			for i := 0; i < a.Rows; i++ {
				for j := 0; j < b.Rows; j++ {
					s, sa, sb := dot(za.Row(i), zb.Row(j)), dot(za.Row(i), za.Row(i)), dot(zb.Row(j), zb.Row(j))
					th := math.Acos(min(max(s/math.Sqrt(sa*sb), -1), 1))
					out[i*b.Rows+j] = s*(math.Pi-th)/(2*math.Pi) + math.Sqrt(sa*sb)/math.Pi*(math.Sin(th)+(math.Pi-th)*math.Cos(th))
				}
			}
			return nil
		}}, 1},
	}
	for _, w := range wrong {
		if zmax := maxZ(w.k, w.scale); zmax <= bound {
			t.Errorf("wrong kernel %s passes the bound (max |z| = %.1f): the test has no power", w.name, zmax)
		} else {
			t.Logf("wrong kernel %s: max |z| = %.1f", w.name, zmax)
		}
	}
}
