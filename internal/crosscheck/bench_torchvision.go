package crosscheck

import "slices"

// benchTorchvisionModels are the tools/export_torchvision.py models that
// bench import times (depthwise convolutions, HardSwish, SiLU).
var benchTorchvisionModels = []string{"mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0"}

// isTorchvisionModel reports whether a bench model name is one of
// benchTorchvisionModels (224x224 images, exported at opset 17 whatever
// --opset says).
func isTorchvisionModel(name string) bool { return slices.Contains(benchTorchvisionModels, name) }

// ExportTorchvision runs tools/export_torchvision.py with Debian's
// PyTorch and torchvision for the given comma-separated models (files
// that exist are kept) and returns the directory holding tv_<model>.onnx.
func ExportTorchvision(models string) (string, error) {
	return runExport("export_torchvision.py", []string{"torch", "torchvision", "onnx"}, "--models", models)
}
