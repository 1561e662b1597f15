package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
)

// lossAt evaluates the loss of the engine on the whole of (x, y) with the
// statistics frozen (updateFrom beyond L).
func lossAt(m *hnet[float64], b *buffers[float64], x, y []float64, n, top int, task string) float64 {
	copy(b.h[0], x)
	m.forward(b, n, top, m.arch.L+1)
	df := make([]float64, n)
	return lossGrad(task, b.f[:n], y, df)
}

func TestHNetGradientFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		name      string
		L, k, top int
		lo        int
		task      string
	}{
		{"L3-top3", 3, 3, 3, 2, concept.TaskRegression},
		{"L3-top2", 3, 3, 2, 2, concept.TaskRegression},
		{"L4-top4", 4, 2, 4, 2, concept.TaskRegression},
		{"L4-layerwise", 4, 2, 4, 4, concept.TaskRegression},
		{"L3-logistic", 3, 2, 3, 2, concept.TaskClassification},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n, d = 17, 4
			data := toyData(t, n, d, tc.L, tc.k, 3, 4)
			y := data.Y
			if tc.task == concept.TaskClassification {
				y = make([]float64, n)
				for i, v := range data.Y {
					y[i] = math.Copysign(1, v)
				}
			}
			m := newHNetEngine[float64](NewArch(d, tc.L, tc.k))
			m.init(rand.New(rand.NewPCG(5, 6)))
			// Make the deep blocks and the output weights generic so that
			// every gradient entry is exercised.
			r := rand.New(rand.NewPCG(8, 9))
			for i := range m.params {
				m.params[i] += 0.1 * r.NormFloat64()
			}
			b := newBuffers(m, n)
			// Set the statistics from this batch once, then freeze them.
			copy(b.h[0], data.X)
			m.forward(b, n, tc.top, 2)
			lossGradFull := func() []float64 {
				copy(b.h[0], data.X)
				m.forward(b, n, tc.top, m.arch.L+1)
				lossGrad(tc.task, b.f[:n], y, b.df[:n])
				m.backward(b, n, tc.top, tc.lo)
				return append([]float64(nil), b.grad...)
			}
			g := lossGradFull()
			inRange := func(i int) bool {
				return (i >= m.kOff[tc.lo] && i < m.kOff[tc.top+1]) || (i >= m.aOff && i <= m.bOff)
			}
			maxErr := 0.0
			for i := range m.params {
				if !inRange(i) {
					if g[i] != 0 {
						t.Fatalf("grad[%d] = %v outside the trained range", i, g[i])
					}
					continue
				}
				if i >= m.aOff+tc.top-1 && i < m.bOff { // a_l of switched-off layers
					if g[i] != 0 {
						t.Fatalf("grad of a_%d = %v while its term is off", i-m.aOff+2, g[i])
					}
					continue
				}
				const h = 1e-6
				p := m.params[i]
				m.params[i] = p + h
				lp := lossAt(m, b, data.X, y, n, tc.top, tc.task)
				m.params[i] = p - h
				lm := lossAt(m, b, data.X, y, n, tc.top, tc.task)
				m.params[i] = p
				fd := (lp - lm) / (2 * h)
				e := math.Abs(fd-g[i]) / math.Max(1e-3, math.Abs(fd)+math.Abs(g[i]))
				maxErr = math.Max(maxErr, e)
				if e > 1e-5 {
					t.Errorf("param %d: backward %.10g, finite difference %.10g", i, g[i], fd)
				}
			}
			t.Logf("largest relative difference %.3g over %d parameters", maxErr, len(m.params))
		})
	}
}

func TestMLPGradientFiniteDifferences(t *testing.T) {
	const n, d = 13, 5
	data := toyData(t, n, d, 2, 2, 1, 2)
	m := newMLPEngine[float64]([]int{d, 7, 6, 1})
	m.init(rand.New(rand.NewPCG(1, 2)))
	r := rand.New(rand.NewPCG(3, 4))
	for i := range m.params {
		m.params[i] += 0.05 * r.NormFloat64()
	}
	b := newMLPBuffers(m, n)
	loss := func() float64 {
		copy(b.act[0], data.X)
		m.forward(b, n)
		return lossGrad(concept.TaskRegression, b.act[3][:n], data.Y, b.df)
	}
	loss()
	m.backward(b, n)
	g := append([]float64(nil), b.grad...)
	for i := range m.params {
		const h = 1e-6
		p := m.params[i]
		m.params[i] = p + h
		lp := loss()
		m.params[i] = p - h
		lm := loss()
		m.params[i] = p
		fd := (lp - lm) / (2 * h)
		if e := math.Abs(fd-g[i]) / math.Max(1e-3, math.Abs(fd)+math.Abs(g[i])); e > 1e-5 {
			t.Errorf("param %d: backward %.10g, finite difference %.10g", i, g[i], fd)
		}
	}
}

func TestShapes(t *testing.T) {
	a := NewArch(20, 4, 3)
	if got := a.FanIn(2); got != 40 {
		t.Errorf("FanIn(2) = %d, want 40", got)
	}
	if got := a.FanIn(3); got != 46 {
		t.Errorf("FanIn(3) = %d, want 46 (x, x^2, H_2 of 6)", got)
	}
	if got := a.LiftDim(3); got != 6 {
		t.Errorf("LiftDim(3) = %d", got)
	}
	m := newHNetEngine[float32](a)
	want := 3*40 + 3*46 + 3*46 + 3 + 1
	if len(m.params) != want {
		t.Errorf("%d parameters, want %d", len(m.params), want)
	}
	m.init(rand.New(rand.NewPCG(1, 1)))
	for l := 2; l < a.L; l++ {
		R := m.lift[l]
		for r := 0; r < a.LiftDim(l); r++ {
			var ss float64
			for c := 0; c < 3; c++ {
				ss += float64(R[r*3+c] * R[r*3+c])
			}
			if math.Abs(ss-1) > 1e-6 {
				t.Errorf("R_%d row %d has norm^2 %v", l, r, ss)
			}
		}
	}
	// Deep block scaled by 0.1: its RMS is about 0.1/sqrt(fan-in).
	K := m.k(3)
	var deep, shallow float64
	for r := 0; r < 3; r++ {
		for c := 0; c < 46; c++ {
			v := float64(K[r*46+c]) * float64(K[r*46+c])
			if c >= 40 {
				deep += v / 18
			} else {
				shallow += v / 120
			}
		}
	}
	if ratio := math.Sqrt(deep / shallow); ratio > 0.3 {
		t.Errorf("deep block RMS / shallow RMS = %.3g, want about 0.1", ratio)
	}
	b := newBuffers(m, 5)
	m.forward(b, 5, 4, 2)
	if len(b.s[4]) != 15 || len(b.h[3]) != 30 || len(b.f) != 5 {
		t.Errorf("buffer shapes s4 %d h3 %d f %d", len(b.s[4]), len(b.h[3]), len(b.f))
	}
	if err := (Arch{D: 3, L: 3, Widths: []int{2, 2}, Skips: [][]int{{0, 1}, {0, 3}}}).Validate(); err == nil {
		t.Error("skip set reaching layer 3 from layer 3 accepted")
	}
}
