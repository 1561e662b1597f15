package crosscheck

// isVisionTransformer reports whether a bench model name is one of
// tools/export_vit.py's (torchvision's vit_b_16 and swin_t, 224x224).
func isVisionTransformer(name string) bool { return name == "vit_b_16" || name == "swin_t" }

// ExportVisionTransformers runs tools/export_vit.py with Debian's PyTorch
// and torchvision for the given comma-separated models (vit_b_16,
// swin_t) and opsets (files that exist are kept) and returns the
// directory holding <model>_op<opset>.onnx.
func ExportVisionTransformers(models, opsets string) (string, error) {
	return runExport("export_vit.py", []string{"torch", "torchvision", "onnx"}, "--models", models, "--opsets", opsets)
}
