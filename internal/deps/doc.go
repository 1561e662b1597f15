// Package deps holds no code, only the tests that keep the library light
// and its examples public:
// the packages a program links to generate concepts, train, fit kernels,
// export and import ONNX import no os/exec (the reference tools are
// called from internal/bench, internal/crosscheck, internal/ortrun and
// the tests), no onnx-go and no gorgonia (the gorgonia training engine is
// train/gorgoniaengine, which the command registers).
//
//	go test ./internal/deps
package deps
