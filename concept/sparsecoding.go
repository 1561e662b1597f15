package concept

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/hierlearn/hierlearn/internal/version"
)

// Random streams of the sparse-coding model (see rng.go for the scheme).
const (
	streamDictionary = 0x6469637469000000 // "dicti\0\0\0": the dictionary M and w*
	streamCode       = 0x636f646500000000 // "code\0\0\0\0": the sparse codes z of a dataset
	streamXi         = 0x7869000000000000 // "xi\0...": the noise xi of a dataset
)

// Limits of SparseCodingSpec.Validate; Sample gives up on a row after
// maxRedraws codes below the margin.
const (
	maxMargin        = 2
	maxRedraws       = 10000
	MaxSparseCodingD = 1024 // Load checks orthonormality in O(d^3)
)

// ErrSparseCoding is wrapped by every error about an invalid sparse-coding
// spec or file.
var ErrSparseCoding = errors.New("invalid sparse-coding model")

// SparseCodingSpec describes the sparse-coding data model of Allen-Zhu &
// Li, "Feature Purification" (arXiv 2005.10190): see SparseCoding.
type SparseCodingSpec struct {
	// D is the input dimension and the number of dictionary atoms.
	D int `json:"d" yaml:"d"`
	// K is the expected number of non-zero entries of z; 0 means
	// round(sqrt(D)).
	K int `json:"k" yaml:"k"`
	// Noise is the expected norm of the noise xi: each coordinate is
	// N(0, Noise^2/D). Negative is invalid; 0 means no noise.
	Noise float64 `json:"noise" yaml:"noise"`
	// Margin, when positive, keeps only codes with |<w*, z>| >= Margin
	// (each row's z is redrawn until it qualifies): labels that a
	// perturbation of constant size cannot flip for a classifier that
	// reads z. 0 means no margin.
	Margin float64 `json:"margin" yaml:"margin"`
	// Seed fixes the dictionary M and the weights w*.
	Seed uint64 `json:"seed" yaml:"seed"`
}

// Complete fills K's default.
func (s SparseCodingSpec) Complete() SparseCodingSpec {
	if s.K == 0 {
		s.K = int(math.Round(math.Sqrt(float64(s.D))))
	}
	return s
}

// Validate checks the (completed) spec.
func (s SparseCodingSpec) Validate() error {
	s = s.Complete()
	switch {
	case s.D < 2 || s.D > MaxSparseCodingD:
		return fmt.Errorf("%w: d = %d, want 2 <= d <= %d", ErrSparseCoding, s.D, MaxSparseCodingD)
	case s.K < 1 || s.K > s.D:
		return fmt.Errorf("%w: k = %d, want 1 <= k <= d = %d", ErrSparseCoding, s.K, s.D)
	case !(s.Noise >= 0) || math.IsInf(s.Noise, 0):
		return fmt.Errorf("%w: noise = %v, want a finite value >= 0", ErrSparseCoding, s.Noise)
	case !(s.Margin >= 0) || s.Margin > maxMargin*math.Sqrt(float64(s.K)):
		return fmt.Errorf("%w: margin = %v, want 0 <= margin <= %v sqrt(k)", ErrSparseCoding, s.Margin, maxMargin)
	}
	return nil
}

// String is the spec in the form ParseSparseCodingSpec reads:
// "d=100,k=10,noise=0.1,margin=1,seed=1".
func (s SparseCodingSpec) String() string {
	return fmt.Sprintf("d=%d,k=%d,noise=%s,margin=%s,seed=%d", s.D, s.K, strconv.FormatFloat(s.Noise, 'g', -1, 64),
		strconv.FormatFloat(s.Margin, 'g', -1, 64), s.Seed)
}

// ParseSparseCodingSpec reads "d=100,k=10,noise=0.1,margin=1,seed=1" (any
// order; all but d may be left out: k = round(sqrt(d)), noise 0, margin
// 0, seed 1).
func ParseSparseCodingSpec(text string) (SparseCodingSpec, error) {
	s := SparseCodingSpec{Seed: 1}
	for _, kv := range strings.Split(text, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return s, fmt.Errorf("%w: %q: want key=value pairs (d, k, noise, margin, seed) separated by commas", ErrSparseCoding, text)
		}
		var err error
		switch key {
		case "d":
			s.D, err = strconv.Atoi(val)
		case "k":
			s.K, err = strconv.Atoi(val)
		case "noise":
			s.Noise, err = strconv.ParseFloat(val, 64)
		case "margin":
			s.Margin, err = strconv.ParseFloat(val, 64)
		case "seed":
			s.Seed, err = strconv.ParseUint(val, 10, 64)
		default:
			return s, fmt.Errorf("%w: %q: unknown key %q (have d, k, noise, margin, seed)", ErrSparseCoding, text, key)
		}
		if err != nil {
			return s, fmt.Errorf("%w: %q: %s: %v", ErrSparseCoding, text, key, err)
		}
	}
	s = s.Complete()
	return s, s.Validate()
}

// SparseCoding is the sparse-coding model of the feature-purification
// paper:
//
//	x = M z + xi,   y = sign(<w*, z>)   (+1 on ties)
//
// M is a random orthonormal d x d dictionary (its columns M_i are the
// atoms, the "features"); z is sparse: each z_i is non-zero with
// probability k/d, independently, and a non-zero z_i is s u with a random
// sign s and u ~ U[1/2, 1], so that |z_i| is bounded away from 0 and at
// most 1; xi ~ N(0, (Noise^2/d) I). w* is dense, w*_i ~ U[1/2, 1] (the
// paper's w* has every entry of order 1; positive entries lose nothing, z
// being symmetric). The real-valued output f = <w*, z> is kept with the
// data (Dataset.F) and so is z itself (hidden member h1). With a Margin,
// codes with |<w*, z>| < Margin are redrawn (see the field).
//
// A linear classifier sign(<M w*, x>) is Bayes-optimal without noise but
// not robust: its l2 margin |<w*, z>|/||w*|| is about d^(-1/4) (with k =
// sqrt d), while a network that detects each atom with a threshold
// survives perturbations of constant l2 norm. That gap is what
// adversarial training has to find (train/robust).
type SparseCoding struct {
	Spec SparseCodingSpec
	// M is the dictionary, row-major d x d: M[r*d+i] is row r of atom i.
	M []float64
	// WStar are the label weights w* (length d).
	WStar []float64
}

// NewSparseCoding draws the dictionary and w* of a spec from the
// dictionary stream of spec.Seed: a d x d matrix of standard normals
// (row-major), orthonormalised column by column by modified Gram-Schmidt
// applied twice, then the d entries of w*.
func NewSparseCoding(spec SparseCodingSpec) (*SparseCoding, error) {
	spec = spec.Complete()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	d := spec.D
	r := newRand(spec.Seed, streamDictionary)
	m := make([]float64, d*d)
	fillNormal(r, m)
	if err := orthonormalise(m, d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSparseCoding, err)
	}
	w := make([]float64, d)
	for i := range w {
		w[i] = 0.5 + 0.5*r.Float64()
	}
	return &SparseCoding{Spec: spec, M: m, WStar: w}, nil
}

// orthonormalise makes the columns of the d x d row-major matrix m
// orthonormal (modified Gram-Schmidt, two passes).
func orthonormalise(m []float64, d int) error {
	col := func(j int, f func(r int, v *float64)) {
		for r := range d {
			f(r, &m[r*d+j])
		}
	}
	for j := range d {
		for range 2 {
			for i := range j {
				dot := 0.0
				for r := range d {
					dot += m[r*d+i] * m[r*d+j]
				}
				for r := range d {
					m[r*d+j] -= dot * m[r*d+i]
				}
			}
		}
		norm := 0.0
		col(j, func(_ int, v *float64) { norm += *v * *v })
		norm = math.Sqrt(norm)
		if !(norm > 1e-8) {
			return fmt.Errorf("column %d is degenerate", j)
		}
		col(j, func(_ int, v *float64) { *v /= norm })
	}
	return nil
}

// Code returns z = M^T x for one input x (length d): the coefficients of x
// in the dictionary's basis.
func (sc *SparseCoding) Code(x []float64) []float64 {
	d := sc.Spec.D
	z := make([]float64, d)
	for r := range d {
		xr := x[r]
		row := sc.M[r*d : (r+1)*d]
		for i, v := range row {
			z[i] += v * xr
		}
	}
	return z
}

// Sample draws n examples from the seed's own code and noise streams:
// for each row in order, d uniform variates decide the support (u < k/d),
// then for each non-zero entry in order a sign and a magnitude, again
// until |<w*, z>| >= Margin; the noise is d normals a row from the noise
// stream. Y is ±1, F = <w*, z>, and the
// hidden member h1 holds z.
func (sc *SparseCoding) Sample(n int, seed uint64) (*Dataset, error) {
	d := sc.Spec.D
	if n < 1 || n > npyMaxRows(d) {
		return nil, fmt.Errorf("sample sparse coding: n = %d: want 1 <= n <= %d", n, npyMaxRows(d))
	}
	rz, rx := newRand(seed, streamCode), newRand(seed, streamXi)
	p := float64(sc.Spec.K) / float64(d)
	sd := sc.Spec.Noise / math.Sqrt(float64(d))
	z := make([]float64, n*d)
	x := make([]float64, n*d)
	f := make([]float64, n)
	y := make([]float64, n)
	support := make([]int, 0, d)
	for t := range n {
		zt := z[t*d : (t+1)*d]
		for try := 0; ; try++ {
			if try == maxRedraws {
				return nil, fmt.Errorf("sample sparse coding: %w: %d codes in a row below margin %v", ErrSparseCoding, maxRedraws, sc.Spec.Margin)
			}
			f[t] = sc.drawCode(rz, p, zt)
			if math.Abs(f[t]) >= sc.Spec.Margin {
				break
			}
		}
		y[t] = 1
		if f[t] < 0 {
			y[t] = -1
		}
		// x = M z over the support of z only (in increasing order, the
		// same sums as over every entry): O(d k) a row instead of O(d^2).
		support = support[:0]
		for i, zi := range zt {
			if zi != 0 {
				support = append(support, i)
			}
		}
		xt := x[t*d : (t+1)*d]
		for r := range d {
			v := 0.0
			row := sc.M[r*d : (r+1)*d]
			for _, i := range support {
				v += row[i] * zt[i]
			}
			xt[r] = v + sd*rx.NormFloat64()
		}
	}
	ds := &Dataset{Task: TaskClassification, N: n, D: d, X: x, Y: y, F: f,
		Hidden: [][]float64{z}, HiddenWidths: []int{d}, HiddenNames: []string{"h1"}}
	ds.Meta = map[string]any{
		"format":         DatasetFormat,
		"format_version": DatasetVersion,
		"version":        version.Full(),
		"source":         "sparse-coding",
		"task":           TaskClassification,
		"n":              n,
		"seed":           seed,
		"sparse_coding":  sc.Spec,
		"model":          "x = M z + xi, y = sign(<w*, z>); h1 holds z (see concept.SparseCoding)",
		"code_stream":    "z from rand.NewPCG(seed, 0x636f646500000000)",
		"noise_stream":   "xi from rand.NewPCG(seed, 0x7869000000000000)",
		"dictionary":     "M and w* from rand.NewPCG(spec seed, 0x6469637469000000)",
	}
	return ds, nil
}

// drawCode fills z (zeroed first) with one code from r and returns <w*, z>.
func (sc *SparseCoding) drawCode(r *rand.Rand, p float64, z []float64) float64 {
	for i := range z {
		z[i] = 0
		if r.Float64() < p {
			z[i] = 1
		}
	}
	f := 0.0
	for i, v := range z {
		if v == 0 {
			continue
		}
		s := 1.0
		if r.Uint64()&1 == 1 {
			s = -1
		}
		z[i] = s * (0.5 + 0.5*r.Float64())
		f += sc.WStar[i] * z[i]
	}
	return f
}
