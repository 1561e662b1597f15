package concept

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
)

// NormSamples is the number of normalisation samples New draws from the
// concept's own stream to estimate s_l, mu_l, sd_l and the output's mean,
// standard deviation and median.
const NormSamples = 100_000

// Concept is a generated concept of either family: its spec, weights and
// normalisation constants. It is immutable after New or Load and safe for
// concurrent use.
type Concept struct {
	spec    Spec
	layers  []Layer
	outW    []float64 // relu-teacher output weights a (k_D)
	outMean float64   // m: mean of y_raw on the normalisation samples
	outStd  float64   // s: standard deviation (divide by n) of y_raw
	median  float64   // median of the standardised output y
	share   []float64 // variance share of each layer's term (hq)
	nNorm   int
}

// New generates the concept of spec: it draws the weights from the
// weights stream and estimates every normalisation constant on
// NormSamples inputs from the normalisation stream (see rng.go).
func New(spec Spec) (*Concept, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	c := &Concept{spec: spec.Complete(), nNorm: NormSamples}
	c.drawWeights()
	if err := c.normalise(); err != nil {
		return nil, fmt.Errorf("concept %s: %w", c.spec.summary(), err)
	}
	return c, nil
}

// drawWeights fills c.layers (and c.outW) from the weights stream, in the
// order: layer by layer, input block by input block (ascending j), row-major.
func (c *Concept) drawWeights() {
	s := c.spec
	r := newRand(s.Seed, streamWeights)
	if s.Family == FamilyReLU {
		prev := s.D
		for l := 1; l <= s.Layers; l++ {
			k := s.Widths[l-1]
			w := make([]float64, k*prev)
			fillNormal(r, w)
			scaleBy(w, math.Sqrt(2/float64(prev))) // He: N(0, 2/fan_in)
			c.layers = append(c.layers, Layer{L: l, Inputs: []int{l - 1}, Rows: k, Cols: []int{prev}, W: [][]float64{w}})
			prev = k
		}
		c.outW = make([]float64, prev)
		fillNormal(r, c.outW)
		scaleBy(c.outW, math.Sqrt(1/float64(prev)))
		return
	}
	for l := 2; l <= s.Layers; l++ {
		k := s.Widths[l-2]
		ly := Layer{L: l, Inputs: Inputs(s.Skip, l), Rows: k}
		for _, j := range ly.Inputs {
			dim := s.inputDim(j)
			w := make([]float64, k*dim)
			fillNormal(r, w)
			f := math.Sqrt(1 / float64(dim))
			if l >= 3 && j == l-1 {
				f *= s.Gain
			}
			scaleBy(w, f)
			ly.Cols = append(ly.Cols, dim)
			ly.W = append(ly.W, w)
		}
		c.layers = append(c.layers, ly)
	}
}

func scaleBy(v []float64, f float64) {
	for i := range v {
		v[i] *= f
	}
}

// Every product that is added to something is wrapped in float64(...):
// the Go spec lets a compiler fuse x*y + z into one FMA instruction (it
// does on arm64), which would change the last bits on some machines; an
// explicit conversion forbids the fusion, so the bytes are the same on
// every machine.

// normalise estimates the constants layer by layer: pass l (re-drawing the
// same normalisation inputs) evaluates the finished layers below l and
// accumulates the first two even moments of layer l's pre-activation
// P = sum_j W_{l,j} Gc_j. Then s_l = sqrt(mean P^2) (the root mean square:
// the population mean of P is zero because every Gc_j has mean zero), and
// G_l = P^2/s_l^2 has mean mean(P^2)/s_l^2 and variance
// mean(P^4)/s_l^4 - mu^2. A last pass gives the output's mean, standard
// deviation, median and the variance shares.
func (c *Concept) normalise() error {
	s := c.spec
	n := c.nNorm
	x := make([]float64, s.D)
	e := c.newEvaluator()
	if s.Family == FamilyHQ {
		for l := 2; l <= s.Layers; l++ {
			ly := &c.layers[l-2]
			m2 := make([]float64, ly.Rows)
			m4 := make([]float64, ly.Rows)
			r := newRand(s.Seed, streamNorm)
			for range n {
				fillNormal(r, x)
				e.hq(x, l)
				for i, p := range e.pre[l] {
					p2 := float64(p * p)
					m2[i] += p2
					m4[i] += float64(p2 * p2)
				}
			}
			ly.Scale = make([]float64, ly.Rows)
			ly.Mu = make([]float64, ly.Rows)
			ly.Sd = make([]float64, ly.Rows)
			for i := range m2 {
				e2 := m2[i] / float64(n)
				e4 := m4[i] / float64(n)
				sc := math.Sqrt(e2)
				mu := e2 / float64(sc*sc)
				v := e4/float64(e2*e2) - float64(mu*mu)
				if !(sc > 0) || !(v > 0) || math.IsInf(e4, 0) {
					return fmt.Errorf("layer %d feature %d is degenerate on the normalisation samples (s=%v, var G=%v)", l, i, sc, v)
				}
				ly.Scale[i], ly.Mu[i], ly.Sd[i] = sc, mu, math.Sqrt(v)
			}
		}
	}
	// Output statistics.
	nt := len(c.layers)
	yraw := make([]float64, n)
	terms := make([][]float64, nt)
	for t := range terms {
		terms[t] = make([]float64, n)
	}
	r := newRand(s.Seed, streamNorm)
	for i := range n {
		fillNormal(r, x)
		yraw[i] = e.raw(x)
		if s.Family == FamilyHQ {
			for t := range nt {
				terms[t][i] = float64(s.Alpha[t] * e.term[t+2])
			}
		}
	}
	m, sd := meanStd(yraw)
	if !(sd > 1e-12*math.Max(1, math.Abs(m))) || math.IsInf(sd, 0) {
		return fmt.Errorf("the output is (nearly) constant on the normalisation samples (std %v)", sd)
	}
	c.outMean, c.outStd = m, sd
	sorted := slices.Clone(yraw)
	slices.Sort(sorted)
	med := sorted[n/2]
	if n%2 == 0 {
		med = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	c.median = (med - m) / sd
	if s.Family == FamilyHQ {
		c.share = make([]float64, nt)
		for t := range nt {
			c.share[t] = covariance(terms[t], yraw) / (sd * sd)
		}
	}
	return nil
}

// meanStd returns the mean and the population standard deviation.
func meanStd(v []float64) (mean, std float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	var ss float64
	for _, x := range v {
		ss += float64((x - mean) * (x - mean))
	}
	return mean, math.Sqrt(ss / float64(len(v)))
}

// covariance is the population covariance of a and b.
func covariance(a, b []float64) float64 {
	ma, _ := meanStd(a)
	mb, _ := meanStd(b)
	var s float64
	for i := range a {
		s += float64((a[i] - ma) * (b[i] - mb))
	}
	return s / float64(len(a))
}

// evaluator holds the scratch space of one goroutine's evaluation.
type evaluator struct {
	c    *Concept
	gc   [][]float64 // hq: Gc_j, j = 0..L; relu: h_l, l = 0..D
	pre  [][]float64 // hq: pre-activation of layer l
	sv   [][]float64 // hq: S_l
	term []float64   // hq: ||S_l||^2
}

func (c *Concept) newEvaluator() *evaluator {
	s := c.spec
	e := &evaluator{c: c}
	if s.Family == FamilyReLU {
		e.gc = make([][]float64, s.Layers+1)
		for l := 1; l <= s.Layers; l++ {
			e.gc[l] = make([]float64, s.Widths[l-1])
		}
		return e
	}
	L := s.Layers
	e.gc = make([][]float64, L+1)
	e.pre = make([][]float64, L+1)
	e.sv = make([][]float64, L+1)
	e.term = make([]float64, L+1)
	e.gc[1] = make([]float64, s.D)
	for l := 2; l <= L; l++ {
		k := s.Widths[l-2]
		e.gc[l] = make([]float64, k)
		e.pre[l] = make([]float64, k)
		e.sv[l] = make([]float64, k)
	}
	return e
}

var invSqrt2 = 1 / math.Sqrt2

// hq evaluates the hq layers 2..upto at input x. Layers below upto are
// finished (S_l, ||S_l||^2 and Gc_l set); layer upto gets its
// pre-activation, and, when its scale is known, everything else too.
func (e *evaluator) hq(x []float64, upto int) {
	e.gc[0] = x
	g1 := e.gc[1]
	for i, v := range x {
		g1[i] = (float64(v*v) - 1) * invSqrt2
	}
	for l := 2; l <= upto; l++ {
		ly := &e.c.layers[l-2]
		pre := e.pre[l]
		for r := range pre {
			var acc float64
			for b, j := range ly.Inputs {
				in := e.gc[j]
				row := ly.W[b][r*len(in) : (r+1)*len(in)]
				for q, w := range row {
					acc += float64(w * in[q])
				}
			}
			pre[r] = acc
		}
		if ly.Scale == nil {
			return
		}
		sv, gc := e.sv[l], e.gc[l]
		var t float64
		for r, p := range pre {
			sr := p / ly.Scale[r]
			g := float64(sr * sr)
			sv[r] = sr
			t += g
			gc[r] = (g - ly.Mu[r]) / ly.Sd[r]
		}
		e.term[l] = t
	}
}

// relu evaluates the hidden layers of a relu-teacher at x.
func (e *evaluator) relu(x []float64) {
	e.gc[0] = x
	for l := 1; l <= len(e.c.layers); l++ {
		ly := &e.c.layers[l-1]
		in, out := e.gc[l-1], e.gc[l]
		w := ly.W[0]
		for r := range out {
			var acc float64
			for q, v := range w[r*len(in) : (r+1)*len(in)] {
				acc += float64(v * in[q])
			}
			out[r] = max(acc, 0)
		}
	}
}

// raw evaluates the whole concept at x and returns the unstandardised
// output y_raw.
func (e *evaluator) raw(x []float64) float64 {
	s := e.c.spec
	if s.Family == FamilyReLU {
		e.relu(x)
		var y float64
		for i, v := range e.gc[s.Layers] {
			y += float64(e.c.outW[i] * v)
		}
		return y
	}
	e.hq(x, s.Layers)
	var y float64
	for l := 2; l <= s.Layers; l++ {
		y += float64(s.Alpha[l-2] * e.term[l])
	}
	return y
}

// hidden returns the hidden vector of layer index t (0-based) after raw.
func (e *evaluator) hidden(t int) []float64 {
	if e.c.spec.Family == FamilyReLU {
		return e.gc[t+1]
	}
	return e.sv[t+2]
}

// Eval evaluates the concept at the n rows of x (n*d row-major). y holds
// the standardised outputs (y_raw - m)/s; hidden[t] holds the hidden
// features of the t-th layer, n*k row-major: S_{t+2} for hq, the ReLU
// activations h_{t+1} for relu-teacher. Rows are split over GOMAXPROCS
// goroutines; the result does not depend on the split. Eval panics if
// len(x) != n*d.
func (c *Concept) Eval(x []float64, n int) (y []float64, hidden [][]float64) {
	d := c.spec.D
	if n < 0 || len(x) != n*d {
		panic(fmt.Sprintf("concept: Eval with %d values for %d rows of d=%d", len(x), n, d))
	}
	widths := c.Widths()
	y = make([]float64, n)
	hidden = make([][]float64, len(widths))
	for t, k := range widths {
		hidden[t] = make([]float64, n*k)
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, n/2048))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Go(func() {
			e := c.newEvaluator()
			for i := lo; i < hi; i++ {
				y[i] = (e.raw(x[i*d:(i+1)*d]) - c.outMean) / c.outStd
				for t, k := range widths {
					copy(hidden[t][i*k:(i+1)*k], e.hidden(t))
				}
			}
		})
	}
	wg.Wait()
	return y, hidden
}

// Spec returns the (completed) spec of the concept.
func (c *Concept) Spec() Spec { return c.spec.Complete() }

// Degree is 2^L for hq and 0 (not a polynomial) for relu-teacher.
func (c *Concept) Degree() int { return c.spec.Degree() }

// Widths returns the widths of the hidden features Eval returns: k_2..k_L
// for hq, k_1..k_D for relu-teacher.
func (c *Concept) Widths() []int { return slices.Clone(c.spec.Widths) }

// HiddenNames returns the names of the hidden features as stored in a
// dataset: "s2".."sL" for hq, "h1".."hD" for relu-teacher.
func (c *Concept) HiddenNames() []string {
	names := make([]string, len(c.layers))
	for t, ly := range c.layers {
		if c.spec.Family == FamilyReLU {
			names[t] = fmt.Sprintf("h%d", ly.L)
		} else {
			names[t] = fmt.Sprintf("s%d", ly.L)
		}
	}
	return names
}

// Layers returns a deep copy of the layers (see Layer).
func (c *Concept) Layers() []Layer {
	out := make([]Layer, len(c.layers))
	for i, ly := range c.layers {
		out[i] = ly.clone()
	}
	return out
}

// Alpha returns alpha_2..alpha_L (nil for relu-teacher).
func (c *Concept) Alpha() []float64 { return slices.Clone(c.spec.Alpha) }

// OutWeights returns the relu-teacher output weights a, y_raw = a · h_D
// (nil for hq, whose y_raw = sum_l alpha_l ||S_l||^2).
func (c *Concept) OutWeights() []float64 { return slices.Clone(c.outW) }

// OutMean and OutStd are m and s of y = (y_raw - m)/s, estimated on the
// normalisation samples (population standard deviation).
func (c *Concept) OutMean() float64 { return c.outMean }

// OutStd: see OutMean.
func (c *Concept) OutStd() float64 { return c.outStd }

// Median is the median of the standardised output y on the normalisation
// samples: the classification threshold (label = sign(y - Median)).
func (c *Concept) Median() float64 { return c.median }

// VarianceShare returns, for each hq layer l = 2..L, the share of
// Var(y_raw) carried by the term alpha_l ||S_l||^2:
// Cov(alpha_l ||S_l||^2, y_raw) / Var(y_raw), on the normalisation
// samples. The shares sum to 1 (they are the covariance decomposition, so
// a share may in principle be negative when terms are anticorrelated).
// nil for relu-teacher.
func (c *Concept) VarianceShare() []float64 { return slices.Clone(c.share) }

// ParamCount is the number of weights (W blocks plus alpha for hq; W and a
// for relu-teacher).
func (c *Concept) ParamCount() int { return c.spec.paramCount() }

// NormSampleCount is the number of normalisation samples the constants
// were estimated on.
func (c *Concept) NormSampleCount() int { return c.nNorm }

// Summary is a one-line description of the concept.
func (c *Concept) Summary() string {
	s := c.spec
	if s.Family == FamilyReLU {
		return fmt.Sprintf("relu-teacher d=%d depth=%d widths=%v task=%s seed=%d params=%d", s.D, s.Layers, s.Widths, s.Task, s.Seed, c.ParamCount())
	}
	return fmt.Sprintf("hq d=%d L=%d degree=%d widths=%v skip=%s alpha=%v gain=%g task=%s seed=%d params=%d",
		s.D, s.Layers, s.Degree(), s.Widths, s.Skip, s.Alpha, s.Gain, s.Task, s.Seed, c.ParamCount())
}

func (s Spec) summary() string {
	return fmt.Sprintf("%s d=%d layers=%d widths=%v seed=%d", s.Family, s.D, s.Layers, s.Widths, s.Seed)
}
