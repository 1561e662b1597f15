package lagfield

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/version"
)

// Random stream words (ASCII, big-endian), see the package doc.
const (
	streamInputs = 0x6c61676669656c64 // "lagfield"
	streamNoise  = 0x6e6f697365000000 // "noise\0\0\0"
)

// Format identifies the meta member of a saved lagfield .npz.
const Format = "hierlearn-lagfield"

// maxValues bounds N * C*L*H*W so that x stays under the .npy limit.
const maxValues = 1 << 30

// Sample generates n examples from seed: X [n, C*L, H, W] and Y [n, 1, H,
// W] (concept.Dataset with Shape and YShape set, task regression), values
// rounded to float32.
func (s Spec) Sample(n int, seed uint64) (*concept.Dataset, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	D := s.InputSize()
	if n < 1 || n > maxValues/D {
		return nil, fmt.Errorf("lagfield: n = %d: want 1 <= n <= %d", n, maxValues/D)
	}
	C, L, H, W := s.Channels, s.Lags, s.H, s.W
	plane := H * W
	T := n + L - 1
	series := make([]float64, T*C*plane) // [time][channel][row][col]
	r := rand.New(rand.NewPCG(seed, streamInputs))
	innov := math.Sqrt(1 - s.Rho*s.Rho)
	for t := 0; t < T; t++ {
		cur := series[t*C*plane : (t+1)*C*plane]
		for j := range cur {
			e := r.NormFloat64()
			if t == 0 {
				cur[j] = e
			} else {
				cur[j] = s.Rho*series[(t-1)*C*plane+j] + innov*e
			}
		}
	}
	for i, v := range series {
		series[i] = float64(float32(v))
	}
	at := func(t, c int) []float64 { return series[(t*C+c)*plane : (t*C+c+1)*plane] }

	ds := &concept.Dataset{Task: concept.TaskRegression, N: n, D: D, Shape: s.InputShape(),
		X: make([]float64, n*D), Y: make([]float64, n*plane), YShape: []int{1, H, W}}
	for i := 0; i < n; i++ {
		t := i + L - 1
		for c := 0; c < C; c++ {
			for l := 0; l < L; l++ {
				copy(ds.X[i*D+s.Index(c, l, 0, 0):], at(t-l, c))
			}
		}
	}
	scale := s.Scale()
	taps := s.taps()
	nr := rand.New(rand.NewPCG(seed, streamNoise))
	for i := 0; i < n; i++ {
		t := i + L - 1
		for p := 0; p < plane; p++ {
			pr, pc := p/W, p%W
			var z float64
			for _, tp := range taps {
				qr, qc := pr+tp.dy, pc+tp.dx
				if qr < 0 || qr >= H || qc < 0 || qc >= W {
					continue
				}
				z += tp.w * at(t-tp.l, tp.c)[qr*W+qc]
			}
			u := z / scale
			y := u + s.Beta*math.Tanh(u) + s.Noise*nr.NormFloat64()
			ds.Y[i*plane+p] = float64(float32(y))
		}
	}
	ds.Meta = map[string]any{
		"format":        Format,
		"version":       version.Full(),
		"source":        "lagfield",
		"spec":          s,
		"n":             n,
		"seed":          seed,
		"scale":         scale,
		"input_stream":  fmt.Sprintf("rand.NewPCG(seed, %#x): time, channel, row, column", uint64(streamInputs)),
		"noise_stream":  fmt.Sprintf("rand.NewPCG(seed, %#x): example, row, column", uint64(streamNoise)),
		"input_channel": "c*L + l holds x_c(t - l); lag 0 is the target's time step",
	}
	return ds, nil
}

// tap is one nonzero term of z: channel, lag, offset and unnormalised weight.
type tap struct {
	c, l, dy, dx int
	w            float64
}

func (s Spec) taps() []tap {
	var out []tap
	for c, a := range s.Amp {
		if a == 0 {
			continue
		}
		for l := 0; l < s.Lags; l++ {
			for dy := -s.Radius; dy <= s.Radius; dy++ {
				for dx := -s.Radius; dx <= s.Radius; dx++ {
					if k := s.kernel(l, dy, dx); k != 0 {
						out = append(out, tap{c, l, dy, dx, a * k})
					}
				}
			}
		}
	}
	return out
}

// Weights is w as a (C, L, 2R+1, 2R+1) array, offset (dy, dx) at (R+dy, R+dx).
func (s Spec) Weights() []float64 {
	R, side := s.Radius, 2*s.Radius+1
	scale := s.Scale()
	out := make([]float64, s.Channels*s.Lags*side*side)
	for c := 0; c < s.Channels; c++ {
		for l := 0; l < s.Lags; l++ {
			for dy := -R; dy <= R; dy++ {
				for dx := -R; dx <= R; dx++ {
					out[((c*s.Lags+l)*side+R+dy)*side+R+dx] = s.Amp[c] * s.kernel(l, dy, dx) / scale
				}
			}
		}
	}
	return out
}

// Save writes ds (from s.Sample) with its spec and true weights to path,
// atomically (see the package doc for the members).
func Save(path string, s Spec, ds *concept.Dataset) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("lagfield: save %s: %w", path, err)
	}
	D, plane := s.InputSize(), s.H*s.W
	if ds.D != D || len(ds.X) != ds.N*D || len(ds.Y) != ds.N*plane {
		return fmt.Errorf("lagfield: save %s: the dataset (%d x %d inputs, %d targets) is not of spec %dx%d, %d lags, %d channels",
			path, ds.N, ds.D, len(ds.Y), s.H, s.W, s.Lags, s.Channels)
	}
	meta := map[string]any{}
	for k, v := range ds.Meta {
		meta[k] = v
	}
	meta["format"], meta["spec"] = Format, s
	mb, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("lagfield: save %s: meta: %w", path, err)
	}
	x := make([]float32, len(ds.X))
	for i, v := range ds.X {
		x[i] = float32(v)
	}
	y := make([]float32, len(ds.Y))
	for i, v := range ds.Y {
		y[i] = float32(v)
	}
	side := 2*s.Radius + 1
	z := npy.NewArchive()
	z.Add("x", npy.NewFloat32(x, ds.N, s.Channels*s.Lags, s.H, s.W))
	z.Add("y", npy.NewFloat32(y, ds.N, 1, s.H, s.W))
	z.Add("weights", npy.NewFloat64(s.Weights(), s.Channels, s.Lags, side, side))
	z.Add("meta", npy.NewBytes(mb))
	if err := npy.WriteNPZ(path, z); err != nil {
		return fmt.Errorf("lagfield: save %s: %w", path, err)
	}
	return nil
}
