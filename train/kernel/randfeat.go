package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// RandomFeatures is a one-hidden-layer network with fixed random first
// layer weights w_r ~ N(0, I_{d+1}) acting on z = [x/sqrt(d), 1]:
//
//	relu: phi_r(x) = sqrt(2/N) max(0, w_r.z)   (E phi.phi = NNGP of ntk:2)
//	quad: phi_r(x) = (w_r.z)^2 / sqrt(3N)      (E phi.phi = (|z|^2|z'|^2 + 2 (z.z')^2)/3)
//
// Only the last layer is fitted (ridge). The weights are a pure function of
// (Seed, d): row r is drawn from a PCG stream seeded by (Seed, r).
type RandomFeatures struct {
	Unit string // "relu" or "quad"
	N    int    // number of units
	Seed uint64

	mu sync.Mutex
	w  Matrix // N×(d+1), drawn on first use
}

func (f *RandomFeatures) String() string { return fmt.Sprintf("rf-%s:%d", f.Unit, f.N) }

// Width returns N.
func (f *RandomFeatures) Width(d int) int { return f.N }

// Weights returns the first-layer weights for inputs of dimension d
// (N×(d+1); the last column multiplies the constant 1).
func (f *RandomFeatures) Weights(d int) Matrix {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.w.Cols == d+1 && f.w.Rows == f.N {
		return f.w
	}
	w := NewMatrix(f.N, d+1)
	for r := 0; r < f.N; r++ {
		rng := rand.New(rand.NewPCG(f.Seed, uint64(r)))
		row := w.Row(r)
		for j := range row {
			row[j] = rng.NormFloat64()
		}
	}
	f.w = w
	return w
}

// SetWeights installs first-layer weights (as read back from a saved
// predictor).
func (f *RandomFeatures) SetWeights(w Matrix) error {
	if w.Rows != f.N || w.Cols < 1 {
		return fmt.Errorf("%s: weights are %d×%d, want %d rows", f, w.Rows, w.Cols, f.N)
	}
	f.mu.Lock()
	f.w = w
	f.mu.Unlock()
	return nil
}

// Features returns phi(x).
func (f *RandomFeatures) Features(x Matrix) (Matrix, error) {
	if f.Unit != "relu" && f.Unit != "quad" {
		return Matrix{}, fmt.Errorf("random features: unknown unit %q", f.Unit)
	}
	w := f.Weights(x.Cols)
	z := inputLift(x)
	out := NewMatrix(x.Rows, f.N)
	for r0 := 0; r0 < x.Rows; r0 += gramRowBlock {
		r1 := min(r0+gramRowBlock, x.Rows)
		gemmNT(z.SliceRows(r0, r1), w, out.Data[r0*f.N:r1*f.N])
	}
	if f.Unit == "relu" {
		s := math.Sqrt(2 / float64(f.N))
		for i, v := range out.Data {
			out.Data[i] = s * max(v, 0)
		}
	} else {
		s := 1 / math.Sqrt(3*float64(f.N))
		for i, v := range out.Data {
			out.Data[i] = s * v * v
		}
	}
	return out, nil
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x62656e6368)) }
