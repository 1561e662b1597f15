package npy

import (
	"slices"
	"testing"
)

// TestArrayConversions checks Float32s and Float64s for every dtype, and
// that the matching dtype shares its data instead of copying.
func TestArrayConversions(t *testing.T) {
	cases := []struct {
		name string
		a    *Array
	}{
		{"float32", &Array{DType: Float32, Shape: []int{3}, F32: []float32{-1.5, 0, 2}}},
		{"float64", &Array{DType: Float64, Shape: []int{3}, F64: []float64{-1.5, 0, 2}}},
		{"int64", &Array{DType: Int64, Shape: []int{3}, I64: []int64{-1, 0, 2}}},
		{"uint8", &Array{DType: Uint8, Shape: []int{3}, U8: []byte{255, 0, 2}}},
	}
	want := map[string][]float64{"float32": {-1.5, 0, 2}, "float64": {-1.5, 0, 2}, "int64": {-1, 0, 2}, "uint8": {255, 0, 2}}
	for _, c := range cases {
		if got := c.a.Float64s(); !slices.Equal(got, want[c.name]) {
			t.Errorf("%s: Float64s = %v, want %v", c.name, got, want[c.name])
		}
		got32 := c.a.Float32s()
		for i, w := range want[c.name] {
			if float64(got32[i]) != w {
				t.Errorf("%s: Float32s = %v, want %v", c.name, got32, want[c.name])
				break
			}
		}
	}
	if f := cases[0].a; &f.Float32s()[0] != &f.F32[0] {
		t.Error("Float32s copied float32 data")
	}
	if f := cases[1].a; &f.Float64s()[0] != &f.F64[0] {
		t.Error("Float64s copied float64 data")
	}
}
