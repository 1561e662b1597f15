// Package analysis builds on importer.GradSession to study imported ONNX
// models in Go: per-example parameter gradients and the empirical neural
// tangent kernel (NTK) K(x, x') = <grad_theta f(x), grad_theta f(x')>, the
// conjugate kernel of any named intermediate tensor (both plug into the
// kernel solver in train/kernel), input attributions (saliency, gradient
// x input, integrated gradients, SmoothGrad; occlusion and permutation
// importance without gradients; Spearman rank correlation and top-k
// precision to score them against a ground truth, and the
// model-randomisation sanity check's RandomizeWeights), FGSM/PGD
// adversarial attacks, and training (Fit: SGD with momentum or Nesterov,
// Adam, AdamW, weight decay, a cosine schedule, seeded batch order,
// training-mode BatchNormalization with running statistics, as PyTorch
// does it; Finetune: Fit with BatchNormalization frozen) of all or
// selected initializers, with the result written back into the ONNX file,
// and staged training (StagedFit: layerwise, progressive, bfc-K and e2e
// over stages named by node-name prefixes, each with an optional output
// such as an auxiliary head; the stages not trained keep their
// BatchNormalization in inference form). Model.Values returns named
// intermediate tensors of many examples (block features, for
// train/kernel's LinearCKA).
//
//	m, err := importer.LoadWith("model.onnx", importer.LoadOptions{NoFold: true})
//	md, err := analysis.New(m, "logits", nil)        // output; params nil: none
//	ds, err := concept.LoadExamples("data.npz")      // x [N, ...], y labels
//	g, err := md.Grad(analysis.Inputs(ds), "", -1)   // d sum(logits) / dx
//	ntk, err := analysis.NTKGram(m, "logits", "", 0) // a train/kernel Kernel
//
// A Model is an imported model with one float input whose first dimension
// is the batch; rows of a kernel.Matrix are flattened examples of the
// input's per-example shape. Examples are assumed independent within a
// batch (true of inference-mode networks), so one backward pass over a
// batch seeded per example yields every example's input gradient.
// A model whose batch is fixed in the file runs batches of other sizes
// as consecutive runs of its own batch (a fixed batch of 1: one example
// at a time); above 1, per-example parameter gradients are refused.
// Parameter gradients are per example, so they are taken at batch 1, one
// example per goroutine. The NTK is computed in blocks of examples and,
// for the trace over outputs, groups of outputs, sized so that one side's
// block of gradients (examples x outputs x params float64s) stays within
// NTK.MaxBytes; a Gram block is one GEMM per output.
package analysis
