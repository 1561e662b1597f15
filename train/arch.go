package train

import "github.com/hierlearn/hierlearn/concept"

import "fmt"

// Arch is the architecture of an HNet: input dimension D, depth L, the
// widths k'_l and the skip sets J_l of the layers l = 2..L (index l-2).
type Arch struct {
	D      int     `json:"d"`
	L      int     `json:"L"`
	Widths []int   `json:"widths"`
	Skips  [][]int `json:"skips"`
}

// DefaultSkips returns the default skip sets J_l = {0, 1, l-1} restricted
// to 0..l-1 (each index once) for l = 2..L.
func DefaultSkips(L int) [][]int {
	var out [][]int
	for l := 2; l <= L; l++ {
		out = append(out, concept.Inputs(concept.SkipDefault, l))
	}
	return out
}

// NewArch returns the architecture with depth L, every width k and the
// default skip sets.
func NewArch(d, L, k int) Arch {
	w := make([]int, L-1)
	for i := range w {
		w[i] = k
	}
	return Arch{D: d, L: L, Widths: w, Skips: DefaultSkips(L)}
}

// Validate checks the architecture.
func (a Arch) Validate() error {
	if a.D < 1 {
		return fmt.Errorf("hnet: input dimension %d < 1", a.D)
	}
	if a.L < 2 {
		return fmt.Errorf("hnet: depth L = %d, want >= 2", a.L)
	}
	if len(a.Widths) != a.L-1 || len(a.Skips) != a.L-1 {
		return fmt.Errorf("hnet: depth %d needs %d widths and skip sets, have %d and %d", a.L, a.L-1, len(a.Widths), len(a.Skips))
	}
	for l := 2; l <= a.L; l++ {
		if a.Width(l) < 1 {
			return fmt.Errorf("hnet: width of layer %d is %d, want >= 1", l, a.Width(l))
		}
		j := a.Skip(l)
		if len(j) == 0 {
			return fmt.Errorf("hnet: layer %d has an empty skip set", l)
		}
		for i := 1; i < len(j); i++ {
			if j[i] <= j[i-1] {
				return fmt.Errorf("hnet: skip set of layer %d %v must be sorted without repeats", l, j)
			}
		}
		if j[0] < 0 || j[len(j)-1] > l-1 {
			return fmt.Errorf("hnet: skip set of layer %d %v must lie in 0..%d", l, j, l-1)
		}
	}
	return nil
}

// Width is k'_l, the number of features S_l of layer l (2 <= l <= L).
func (a Arch) Width(l int) int { return a.Widths[l-2] }

// Skip is J_l, the indices of the inputs H_j of layer l.
func (a Arch) Skip(l int) []int { return a.Skips[l-2] }

// LiftDim is the width of H_l (2 <= l < L): k'(k'+1)/2.
func (a Arch) LiftDim(l int) int { k := a.Width(l); return k * (k + 1) / 2 }

// InDim is the width of H_j: D for j = 0, 1, LiftDim(j) above.
func (a Arch) InDim(j int) int {
	if j <= 1 {
		return a.D
	}
	return a.LiftDim(j)
}

// FanIn is the number of columns of K_l: the summed widths of H_j, j in J_l.
func (a Arch) FanIn(l int) int {
	n := 0
	for _, j := range a.Skip(l) {
		n += a.InDim(j)
	}
	return n
}
