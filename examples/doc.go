// Package examples holds runnable programs that use hierlearn's library
// API, one per folder, each exercised by a test:
//
//   - generate_and_train: generate a concept, sample data, train HNet
//     progressively and layerwise, and watch backward feature correction;
//   - export_and_validate: train an HNet, export it to ONNX, import the
//     file again and check it reproduces the Go model;
//   - import_conjugate_kernel: import an ONNX network (a PyTorch ResNet),
//     take its penultimate features and fit their conjugate kernel.
//
// They use public packages and types only, as a program outside the module
// must (internal/deps checks their imports). Run one with
// `go run ./examples/NAME` (add `-tags openblas` for speed).
package examples
