package importer

import "github.com/hierlearn/hierlearn/internal/numeric/vec"

// vectorSuits reports whether a Conv is a 1x1, ungrouped convolution
// over a single pixel with constant weights (the squeeze-and-excitation
// convolutions of MobileNetV3 and EfficientNet): a matrix-vector product
// per image, for which GEMM tiles 48 columns wide would be nearly all
// padding.
func (w *window) vectorSuits(g int, wt *info) bool {
	return g == 1 && wt.c != nil && w.pointwise() && w.outSize() == 1
}

// vectorConv computes out[n, m] = bias[m] + Σc W[m, c]·x[n, c] (then ReLU
// if relu) as one vec.Axpy per input channel over the transposed weights
// (C×M, made once at build time).
func vectorConv(wt *Tensor, N, C, M int, relu bool) *kernel {
	wtT := make([]float32, C*M)
	for m := 0; m < M; m++ {
		for c := 0; c < C; c++ {
			wtT[c*M+m] = wt.F[m*C+c]
		}
	}
	return &kernel{run: func(in, o []*Tensor, _ []float32) {
		src, dst := in[0].F, o[0].F
		var bias []float32
		if len(in) > 2 && in[2] != nil {
			bias = in[2].F
		}
		for n := 0; n < N; n++ {
			y := dst[n*M : (n+1)*M]
			if bias != nil {
				copy(y, bias)
			} else {
				clear(y)
			}
			for c, xv := range src[n*C : (n+1)*C] {
				vec.Axpy(y, xv, wtT[c*M:(c+1)*M])
			}
			if relu {
				for i, v := range y {
					y[i] = relu32(v)
				}
			}
		}
	}}
}
