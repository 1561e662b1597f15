package lagfield

import (
	"fmt"
	"math"
)

// Point is a grid cell (row, column).
type Point struct{ R, C int }

// Targets are the explained output points of the study: the centre and
// the four quarter points, all at least R cells from the edges on the
// default grid.
func (s Spec) Targets() []Point {
	return []Point{{s.H / 2, s.W / 2}, {s.H / 4, s.W / 4}, {s.H / 4, 3 * s.W / 4}, {3 * s.H / 4, s.W / 4}, {3 * s.H / 4, 3 * s.W / 4}}
}

// Truth is the true importance |w(c, l, q; p)| of every input element
// (flattened like an example) for the target at p.
func (s Spec) Truth(p Point) []float64 {
	out := make([]float64, s.InputSize())
	scale := s.Scale()
	for c, a := range s.Amp {
		for l := 0; l < s.Lags; l++ {
			for r := 0; r < s.H; r++ {
				for col := 0; col < s.W; col++ {
					out[s.Index(c, l, r, col)] = math.Abs(a) * s.kernel(l, r-p.R, col-p.C) / scale
				}
			}
		}
	}
	return out
}

// Profiles are an importance map reduced for one target point.
type Profiles struct {
	Lag      []float64 // total over channels and locations, per lag
	Channel  []float64 // total over lags and locations, per channel
	Distance []float64 // mean per distance bin round(|q-p|), bins 0..DistanceBins()-1
	Location []float64 // total over channels and lags, per grid cell (row-major)
}

// DistanceBins is the number of distance bins of a profile: R + 4, so
// that the profile runs three bins past the radius (where the truth is 0).
func (s Spec) DistanceBins() int { return s.Radius + 4 }

// Aggregate reduces a non-negative importance map imp (one value per
// input element, flattened like an example) for the target at p.
// Distance bins with no grid cell in them (p near an edge) are NaN.
func (s Spec) Aggregate(imp []float64, p Point) (Profiles, error) {
	if len(imp) != s.InputSize() {
		return Profiles{}, fmt.Errorf("lagfield: importance map of %d values, the inputs have %d", len(imp), s.InputSize())
	}
	nb := s.DistanceBins()
	pr := Profiles{Lag: make([]float64, s.Lags), Channel: make([]float64, s.Channels),
		Distance: make([]float64, nb), Location: make([]float64, s.H*s.W)}
	count := make([]int, nb)
	for c := 0; c < s.Channels; c++ {
		for l := 0; l < s.Lags; l++ {
			for r := 0; r < s.H; r++ {
				for col := 0; col < s.W; col++ {
					v := imp[s.Index(c, l, r, col)]
					pr.Lag[l] += v
					pr.Channel[c] += v
					pr.Location[r*s.W+col] += v
					b := int(math.Round(math.Hypot(float64(r-p.R), float64(col-p.C))))
					if b < nb {
						pr.Distance[b] += v
						count[b]++
					}
				}
			}
		}
	}
	for b := range pr.Distance {
		if count[b] == 0 {
			pr.Distance[b] = math.NaN()
		} else {
			pr.Distance[b] /= float64(count[b])
		}
	}
	return pr, nil
}
