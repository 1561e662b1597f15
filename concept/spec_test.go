package concept

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	mod := func(f func(*Spec)) Spec { s := DefaultSpec(); f(&s); return s }
	tests := []struct {
		name string
		spec Spec
		want string // "" = valid
	}{
		{"default", DefaultSpec(), ""},
		{"zero defaults filled", Spec{D: 5, Layers: 4, Widths: []int{2}}, ""},
		{"relu", Spec{Family: FamilyReLU, D: 5, Layers: 3, Widths: []int{8}}, ""},
		{"d=0", mod(func(s *Spec) { s.D = 0 }), "d = 0"},
		{"L=1", mod(func(s *Spec) { s.Layers = 1 }), "layers = 1"},
		{"L too deep", mod(func(s *Spec) { s.Layers = 40; s.Alpha = nil; s.Widths = []int{3} }), "layers = 40"},
		{"negative width", mod(func(s *Spec) { s.Widths = []int{3, -1} }), "width -1 of layer 3"},
		{"zero width", mod(func(s *Spec) { s.Widths = []int{0} }), "width 0 of layer 2"},
		{"too many widths", mod(func(s *Spec) { s.Widths = []int{3, 3, 3} }), "3 widths given, want 2"},
		{"no widths", mod(func(s *Spec) { s.Widths = nil }), "0 widths given"},
		{"alpha wrong length", mod(func(s *Spec) { s.Alpha = []float64{1, 0.3, 0.09} }), "3 alpha values given, want 2"},
		{"alpha NaN", mod(func(s *Spec) { s.Alpha = []float64{1, math.NaN()} }), "alpha_3 = NaN"},
		{"alpha zero", mod(func(s *Spec) { s.Alpha = []float64{0, 0} }), "all alpha are zero"},
		{"unknown skip", mod(func(s *Spec) { s.Skip = "sparse" }), `unknown skip mode "sparse"`},
		{"unknown task", mod(func(s *Spec) { s.Task = "ranking" }), `unknown task "ranking"`},
		{"unknown family", mod(func(s *Spec) { s.Family = "cnn" }), `unknown family "cnn"`},
		{"noise without classification", mod(func(s *Spec) { s.LabelNoise = 0.1 }), "needs task"},
		{"noise too big", mod(func(s *Spec) { s.Task = TaskClassification; s.LabelNoise = 0.7 }), "label noise 0.7"},
		{"gain inf", mod(func(s *Spec) { s.Gain = math.Inf(1) }), "gain +Inf"},
		{"huge", mod(func(s *Spec) { s.D = MaxD; s.Widths = []int{MaxWidth} }), "parameters exceed"},
		{"relu with alpha", Spec{Family: FamilyReLU, D: 5, Layers: 2, Widths: []int{8}, Alpha: []float64{1}}, "alpha does not apply"},
		{"relu with skip", Spec{Family: FamilyReLU, D: 5, Layers: 2, Widths: []int{8}, Skip: "dense"}, "skip"},
		{"relu depth 0", Spec{Family: FamilyReLU, D: 5, Layers: 0, Widths: []int{8}}, "layers = 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrSpec) {
				t.Fatalf("err = %v, want ErrSpec containing %q", err, tt.want)
			}
			if _, err := New(tt.spec); err == nil {
				t.Fatal("New accepted an invalid spec")
			}
		})
	}
}

func TestComplete(t *testing.T) {
	s := Spec{D: 5, Layers: 4, Widths: []int{2}}.Complete()
	if s.Family != FamilyHQ || s.Skip != SkipDefault || s.Task != TaskRegression || s.Gain != 1 {
		t.Errorf("defaults not filled: %+v", s)
	}
	if !slices.Equal(s.Widths, []int{2, 2, 2}) {
		t.Errorf("widths %v, want [2 2 2]", s.Widths)
	}
	if want := []float64{1, 0.3, 0.3 * 0.3}; !slices.Equal(s.Alpha, want) {
		t.Errorf("alpha %v, want %v", s.Alpha, want)
	}
}

func TestInputs(t *testing.T) {
	tests := []struct {
		skip string
		l    int
		want []int
	}{
		{SkipDefault, 2, []int{0, 1}}, {SkipDefault, 3, []int{0, 1, 2}}, {SkipDefault, 5, []int{0, 1, 4}},
		{SkipChain, 2, []int{0, 1}}, {SkipChain, 3, []int{0, 2}}, {SkipChain, 4, []int{0, 3}},
		{SkipDense, 2, []int{0, 1}}, {SkipDense, 4, []int{0, 1, 2, 3}},
	}
	for _, tt := range tests {
		if got := Inputs(tt.skip, tt.l); !slices.Equal(got, tt.want) {
			t.Errorf("Inputs(%s, %d) = %v, want %v", tt.skip, tt.l, got, tt.want)
		}
	}
}
