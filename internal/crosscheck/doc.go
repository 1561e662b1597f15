// Package crosscheck compares hierlearn's importer with other ONNX
// engines: onnxruntime (the reference, through onnxruntime-node and
// tools/node/ort_run.js) and onnx-go v0.5.0 with its gorgonnx backend
// (where it can load the model). It backs `hierlearn validate` and
// `hierlearn bench import`, and exports the test ResNets with
// tools/export_resnets.py. It calls Node and links onnx-go, so it is
// internal: no library package depends on it (internal/deps checks).
//
//	rep, err := crosscheck.Validate(os.Stdout, "model.onnx", inputs, []string{"native", "onnxruntime"})
//	rep, err := crosscheck.BenchImport(os.Stdout, cfg)
package crosscheck
