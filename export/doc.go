// Package export writes hierlearn's models as ONNX files that any ONNX
// runtime can evaluate, and reads ONNX files back for inspection.
//
// # The graph builder
//
// Graph is a small builder over the generated protobuf types of
// internal/onnxpb. A graph is assembled in topological order:
//
//	g := export.NewGraph("mlp")
//	g.SetOpset(17)
//	x := g.Input("x", export.Float32, export.Batch, 20)
//	w := export.Initializer(g, "fc1/W", weights, 20, 64)
//	h := g.Node("MatMul", "fc1/matmul", []string{x, w})
//	y := g.Node("Relu", "y", []string{h})
//	g.Output(y, export.Float32, "", export.Batch, 64)
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
// Concept rebuilds a concept target (the teacher G*) as a graph with
// input x [N,d] and outputs y [N] and the hidden features (s2..sL for the
// hierarchical quadratic family, h1..hD for the ReLU teacher). Weights are
// stored as float32, computed from the float64 weights of the concept;
// the normalisation constants are float32 constants. Evaluation in
// float32 agrees with the concept's float64 Eval to about 1e-6 of the
// output's scale (see the tests).
//
// # Reading
//
// ReadModel/DecodeModel decode any ONNX file; Inspect summarises it
// (producer, IR version, opsets, inputs and outputs with symbolic
// dimensions, operator histogram, parameter count, metadata) and Dump
// lists it completely, deterministically, for golden-file tests.
package export
