package vec

// Clip sets dst[i] = src[i] limited to [lo, hi], as ONNX's Clip: a NaN
// stays NaN. dst and src have the same length and may be the same slice.
// Go's min and max builtins compile to branch-free code, which matters
// here: the compare-and-branch loop mispredicts on every other element
// of a network's activations (MobileNetV2's ReLU6 took half of its run).
func Clip(dst, src []float32, lo, hi float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = min(max(v, lo), hi)
	}
}
