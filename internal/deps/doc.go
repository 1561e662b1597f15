// Package deps holds no code, only the tests that keep the library light
// and its examples public, and that the import flow of the style notes
// holds (importer imports neither train nor export; train/kernel imports
// nothing of train), and that no exported declaration of a library
// package names an internal type:
// the packages a program links to generate concepts, train, fit kernels,
// export and import ONNX import no os/exec (the reference tools are
// called from internal/bench, internal/crosscheck, internal/ortrun and
// the tests), no onnx-go and no gorgonia (the gorgonia training engine is
// train/gorgoniaengine, which the command registers).
//
//	go test ./internal/deps
package deps
