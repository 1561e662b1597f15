package importer

import "testing"

func BenchmarkMaxPool2D(b *testing.B) {
	w := &window{in: [3]int{1, 112, 112}, out: [3]int{1, 56, 56}, k: [3]int{1, 3, 3}, s: [3]int{1, 2, 2}, d: [3]int{1, 1, 1}, pb: [3]int{0, 1, 1}, pe: [3]int{0, 1, 1}}
	src := make([]float32, 112*112)
	for i := range src {
		src[i] = float32(i % 97)
	}
	dst := make([]float32, 56*56)
	for i := 0; i < b.N; i++ {
		maxPool2D(w, src, dst)
	}
}
