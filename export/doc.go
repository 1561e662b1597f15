// Package export writes hierlearn's models as ONNX files that any ONNX
// runtime can evaluate, and reads ONNX files back for inspection.
//
//	m, err := export.Run("runs/prog", 17) // a run directory of train or kernel
//	err = export.WriteModel("prog.onnx", m)
//	back, err := export.ReadModel("prog.onnx")
//	fmt.Println(export.Inspect(back).Ops)
//
// # The graph builder
//
// Graph is a small builder over the generated protobuf types of
// internal/onnxpb. A graph is assembled in topological order:
//
//	g := export.NewGraph("mlp")
//	g.SetOpset(17)
//	x := g.Input("x", dtype.Float32, export.Batch, 20)
//	w := export.Initializer(g, "fc1/W", weights, 20, 64)
//	h := g.Node("MatMul", "fc1/matmul", []string{x, w})
//	y := g.Node("Relu", "y", []string{h})
//	g.Output(y, dtype.Float32, "", export.Batch, 64)
//	err := g.Write("mlp.onnx")
//
// Export.Batch in a shape is the symbolic batch dimension "N". Node names
// double as the names of their (single) outputs and are chosen to be read
// in a viewer such as Netron: "layer3/S", "Gc2", "y". Build checks the
// graph before anything is written (unique names, every input defined by
// an earlier node, an input or an initializer, element types consistent
// for the operators whose typing rule the builder knows, declared outputs
// produced) and reports every problem at once. Write is atomic: on any
// error no file appears. Opsets 13 and 17 of the default domain are
// supported; they are written with IR versions 7 and 8 respectively.
// Every model carries producer "hierlearn" and version.Full().
//
// # Exporters
//
// Every exporter takes an opset (13 or 17), rounds weights to float32 at
// the ONNX boundary (input x [N,d] float32, outputs float32) and writes
// metadata_props: the producing configuration, seed, metrics where there
// are any, and the version.
//
//   - Concept: a concept target G* with outputs y [N] and the hidden
//     features (s2..sL for the hierarchical quadratic family, h1..hD for the
//     ReLU teacher), mirroring concept.Layer step by step.
//   - Run: a `hierlearn train` run directory. model.json holds an HNet
//     (any training mode: the saved layout is the same) or an MLP; an HNet
//     gets outputs y [N] and s2..sL, its quadratic lifts R_l and its
//     running-statistics normalisation as constants. predictor.npz holds
//     a kernel predictor (KernelGraph): poly, rbf, ntk, nngp, comp in the dual
//     form (Gram against the stored centers times the dual coefficients)
//     and random features in the primal form; these graphs compute in
//     float64 internally, since kernel predictions cancel large terms.
//
// The tests check every exported file with onnx.checker (full_check) and
// compare onnxruntime-node with the Go models on 1,000 random inputs:
// the largest error relative to the output's scale (max |ort - go| over
// max |go|, see exporttest.RelDiff) must be <= 1e-5; seen: <= 7e-7 for
// concepts and learners, <= 1.2e-7 for kernels.
//
// # Reading
//
// ReadModel/DecodeModel decode any ONNX file; Inspect summarises it
// (producer, IR version, opsets, inputs and outputs with symbolic
// dimensions, operator histogram, parameter count, metadata) and Dump
// lists it completely, deterministically, for golden-file tests.
package export
