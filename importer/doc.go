// Package importer loads ONNX models (above all PyTorch-exported ResNets)
// and runs them natively in Go, in float32.
//
//	m, err := importer.Load("resnet18.onnx") // checked: unsupported nodes fail here
//	if err != nil {
//		return err
//	}
//	x, err := importer.ReadNPY("x.npy", importer.Float32)
//	if err != nil {
//		return err
//	}
//	sess := importer.NewSession(m) // safe for concurrent Run calls
//	out, err := sess.Run(map[string]*importer.Tensor{m.Inputs[0].Name: x})
//	if err != nil {
//		return err
//	}
//	logits := out[m.Outputs[0].Name] // a *Tensor: Shape, and data in F
//
// NewSessionWith takes SessionOptions (force the BLAS convolutions, turn
// the importer's own GEMM splitting off); LoadWith takes LoadOptions
// (keep BatchNormalization for gradients); GradSession differentiates a
// model. Errors wrap sentinels for errors.Is: ErrUnsupported (an
// *UnsupportedError, at load), ErrUnsupportedVersion, ErrShape,
// ErrBadInput, ErrNoGradient.
//
// # Pipeline
//
//	Load / LoadBytes   decode the protobuf (internal/onnxpb), read the
//	                   opset imports, decode initializers (raw_data, typed
//	                   fields, external data confined to the model's
//	                   directory, sizes checked against the bytes present),
//	                   check every node's operator at its opset (an
//	                   *UnsupportedError at load time, never mid-run) and
//	                   sort the graph topologically (cycles are errors).
//	simplify           fold Constant nodes and every node whose inputs are
//	                   constants; fold BatchNormalization into the
//	                   preceding Conv; fuse Relu into Conv, Gemm and Add.
//	foldBatchPlumbing  plan for three probe batch sizes (symbolic dims set
//	                   to 2, 3, 5) and classify every value known at plan
//	                   time as batch-independent or equal to the batch:
//	                   batch-independent values become constants, and a
//	                   Reshape whose computed target holds the batch at the
//	                   data's batch axis gets a constant target with 0
//	                   ("copy that dim"). So torch's x.view(x.size(0), -1)
//	                   plumbing (Shape/Gather/Unsqueeze/Concat) and the
//	                   F.pad subgraphs (ConstantOfShape/Slice/Concat/...)
//	                   vanish at load time; shape errors surface there too.
//	Session.Run        plan per distinct set of input shapes (cached): shape
//	                   inference with concrete shapes folds torch's shape
//	                   plumbing (Shape/Gather/Unsqueeze/Concat/Reshape for
//	                   x.view(x.size(0), -1), the ConstantOfShape/Slice/Pad
//	                   of F.pad) into constants, reshape-like ops become
//	                   views, and intermediate values are laid out in
//	                   buffers reused by liveness. Each plan keeps a pool of
//	                   workspaces, so concurrent Runs are safe and steady
//	                   state allocates only the returned outputs.
//
// Symbolic dimensions (a dynamic batch axis, a sequence length) take any
// size, and change from call to call without reloading: a session keeps
// the plans of the 16 most recently used sets of input shapes (least
// recently used dropped first). Inputs that name the same symbolic
// dimension must agree on it (input_ids and attention_mask both [batch,
// seq]): a clear ErrShape error names both otherwise. Plumbing that the
// load-time probe cannot classify (several symbolic dims, integer inputs,
// data-dependent shapes) is still folded per plan, once per distinct
// input shape. Small int64/bool inputs declared with at most one
// dimension (at most 64 elements: shapes, axes) are folded into the plan
// as constants, so models that take shapes as inputs run too; token ids
// and masks are data.
//
// # Operators
//
// Dispatch is on (op, domain, opset): only the default ai.onnx domain,
// opsets MinOpset (1) to MaxOpset (27). Each operator has one registry
// entry (registry.go) holding the ONNX since_versions it implements, its
// load-time check, its build (shape inference and kernel) and its
// backward, or a declaration that it has none. A node runs the
// definition its operator has at the model's opset (the newest
// since_version at or below it, from ONNX's changelog: onnx_versions.go);
// when the entry does not list that version the node is refused at load
// (ErrUnsupportedVersion, naming the versions supported), so a type-only
// bump such as Add-14 runs Add's kernel at opset 27 while Relu-1 (opset
// 5) is refused. Where a signature changed across listed versions (axes
// of Squeeze/Unsqueeze/ReduceSum becoming inputs at 13 and of the other
// Reduce* at 18, Split at 13 and num_outputs at 18, Clip min/max at 11,
// Pad pads at 11 and axes at 18, Slice starts/ends at 10) build functions
// branch on Node.Opset. SupportedOps lists the operators; CheckSupport lists
// every unsupported node of a model without running it. MaxPool and
// GlobalMaxPool propagate NaN (a window holding a NaN gives NaN), as
// PyTorch's max pooling does.
//
// Beside the CNN operators, the registry holds the elementwise functions
// (one table of function and derivative: ops_math.go), comparisons and
// logic, every Reduce*, the indexing operators (Gather*/Scatter*, TopK,
// ArgMax/ArgMin, OneHot), layout (Tile, DepthToSpace, Trilu, CumSum, ...),
// the normalisations (ops_norm.go), the losses, Resize, ConvTranspose,
// LpPool, LRN, Attention and the recurrent LSTM, GRU and RNN (ops_rnn.go,
// the plain nodes' steps in rnn_steps.go, backward through time in
// grad_rnn.go). Shapes are fixed when a plan is built, so an
// input that sets an output's shape (Resize's scales, Range's bounds,
// TopK's K) must be known then: a constant, a value computed from shapes,
// or computed from small graph inputs (at most 64 elements, at most one
// dimension), which are then folded into each plan (the entry names
// such inputs in planInputs; plan_inputs.go follows them back to the
// graph inputs). A shape that depends on run-time data (NonZero of a
// computed tensor) is refused with ErrUnsupported. TestONNXBackendTests
// runs the ONNX 1.22 backend tests: each passes, is refused with the
// importer's reason, or is listed with its reason.
//
// # Control flow
//
// If, Loop and Scan hold subgraphs (graph attributes), loaded like the
// model at load time (subgraph.go), up to 16 levels deep. A subgraph may
// read any value of the enclosing graphs: those values become implicit
// inputs of its node, appended to Node.Inputs, so that ordering, buffer
// liveness and constant folding treat them as the data dependencies they
// are; a name the subgraph defines itself hides the outer one. A
// subgraph is planned when its node is, with the node's inputs' shapes
// and constants: an If whose condition is known then plans the taken
// branch only (and folds away when its outputs are constants), otherwise
// both, which must give the same shapes. A Loop or Scan body is planned
// once per distinct set of input shapes and reused by every iteration
// that has them (loop_body.go): once in the common case, per iteration
// when loop-carried shapes change with a number of iterations known at
// plan time, or when the body needs the iteration number to plan (a
// Slice at it). Shapes that depend on the data (If branches of different
// shapes, scan outputs of a loop whose trip count is computed, carried
// values that change shape in a loop a condition ends) are refused with
// ErrUnsupported. A Loop trip count over 2^16 (65,536) is refused at plan time when
// it is a constant and before the first iteration otherwise.
//
// # Element types
//
// Float32 and 16-bit floats are computed in float32; int32 values are widened to
// int64 (they are indices and shapes), bool values are 0 or 1 in int64.
// FLOAT16 and BFLOAT16 inputs, initializers and outputs are float32
// tensors: decoded at the boundary and computed in float32, so results
// are at least as precise as a 16-bit computation (the ONNX backend tests
// of those types pass at their tolerance, 1e-3 relative); a Cast to a
// 16-bit type rounds to its precision, a CastLike does not. Values are
// not rounded to 16 bits after each operator as a float16 runtime would:
// a resnet18 converted to float16 matches onnxruntime (computing in
// float16) to 2.3e-5 of the output scale. DOUBLE (Float64) tensors hold
// the bits of their values in I (f64.go; NewFloat64 and Float64s make and
// read them), which data-movement kernels copy as they are; elementwise
// arithmetic, comparisons and functions, MatMul, ReduceSum and Cast
// compute in float64, and any other operator computes in float32 on
// converted copies, its float outputs converted back to float64. The
// kernel predictors hierlearn exports (float64 inside the graph) match
// onnxruntime exactly.
//
// Quantized models: UINT8, INT8, UINT16 and INT16 tensors are held in
// int64 (I), always within their type's range (narrowint.go). The
// quantization operators (QuantizeLinear, DequantizeLinear per tensor,
// per axis and blocked; DynamicQuantizeLinear; the QOperator forms
// QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger) compute their
// integer sums exactly (float64 GEMMs over the zero-point-shifted
// integers, exact below 2^53) and requantize as onnxruntime does
// (multiplier in float32, round half to even, saturate), so their integer
// outputs equal onnxruntime's. Data movement, comparisons and the Where
// select take narrow integers as they are, MaxPool, GlobalMaxPool and
// Clip run their float32 kernels on them (exact); integer arithmetic (Add, Mul,
// ReduceSum, Bitwise*...) wraps its results to the output type, as C and
// numpy do; every other operator refuses them with ErrUnsupported. Other
// element types (uint32, uint64, float8, 4-bit and 2-bit types, strings)
// are refused at load with ErrUnsupported.
//
// # Kernels
//
// Convolutions with constant weights and one group run on
// internal/numeric/sgemm's AVX-512 or AVX2+FMA micro-kernels (Go
// assembly, no cgo; HIERLEARN_KERNEL forces a path) where the CPU has
// them (conv_packed.go); weights are packed once
// per model and cached on the node, bias and fused ReLU are applied as
// each output tile is stored:
//   - stride-1, undilated convolutions with a kernel bigger than 1x1 and
//     at least 64 output pixels, or any output size at batch 1 (every 3x3
//     conv of a ResNet but the downsampling ones): the input is
//     zero-padded once into P, and sgemm.Shifted sums all kernel taps of
//     an 8x48 output tile in one pass, reading each tap's operand as a
//     shifted view of P (no im2col, output written once, with the padded
//     width, then copied out). Images are not stacked: measured, the
//     longer row stride cost more than the wider product gained;
//   - 3x3 stride-1 convolutions with enough channels and output pixels
//     (64 channels on 56x56, 128 and more down to 28x28 at batch 1 or
//     7x7 on 8 images; see winogradWork) run by Winograd F(4x4, 3x3)
//     (conv_winograd.go): the input is gathered into 24 planes per
//     channel in which every tap of every 6x6 input tile is a shifted
//     view, both transforms are vec.Taps calls over all tiles of a chunk
//     of images at once, and the 36 products (weights transformed and
//     packed once) run on sgemm.Shifted: about a quarter of the
//     multiply-adds, about a digit of float32 accuracy lost (1e-5 of the
//     output scale on resnet18). SessionOptions.NoWinograd or
//     HIERLEARN_WINOGRAD=0 turn it off; gradient tapes never use it;
//   - stride-2, undilated convolutions with a kernel bigger than 1x1
//     (resnet18's 7x7 stem, the downsampling 3x3 convs): the padded input
//     is scattered once into four phase images per channel (even/odd rows
//     and columns), in which every kernel tap is again a shifted view, so
//     sgemm.Shifted runs them the same way with as many taps as the
//     kernel has (conv_phase.go);
//   - 1x1 convolutions without padding (ResNet-50's bottlenecks, the
//     downsampling shortcuts): one sgemm.Shifted product with a single
//     tap reading the input in place (strided ones gather their
//     subsampled input first), written in place (conv_pointwise.go;
//     every float buffer of a workspace has sgemm.PanelN zeroed floats of
//     slack for the kernel's whole-tile reads);
//   - depthwise convolutions (group = input channels, any channel
//     multiplier; MobileNet, EfficientNet), on every path. On the avx512
//     path they run on blocks of 16 channels: vec.Transpose16 interleaves
//     the block's planes into one zero-padded image of 16 floats a pixel,
//     one vec.Taps16 call sums every tap of an output row (16 per-channel
//     weights a multiply-add) and the activated row is transposed back
//     (conv_depthwise_blocks.go). Elsewhere undilated ones with strides
//     1x1 or 2x2 copy each input plane into its zero-padded phase images,
//     and one vec.Taps call sums every tap over the plane with the sums
//     kept in registers (computed as wide as the phase image, then copied
//     out); others sum taps row by row (conv_depthwise.go,
//     conv_depthwise_planes.go);
//   - 1x1 convolutions over a single pixel (squeeze-and-excitation):
//     one vec.Axpy per input channel over the transposed weights
//     (conv_vector.go);
//   - the rest (dilated, other strides, small outputs at batch > 1):
//     im2col one row at a time into sgemm's packed layout, then
//     sgemm.Packed; small outputs stack several images along the columns.
//
// Transformer encoders: the decomposed layer normalization that exporters
// write before opset 17 (ReduceMean, Sub, Pow, Sqrt, Div, Mul, Add) and
// the Erf and tanh forms of GELU are fused at load time into one
// LayerNormalization or Gelu node each (fuse_transformer.go), one pass
// over each row instead of a dozen elementwise ops; a pattern that
// differs in any way is left as it is.
//
// A residual Add of two same-shape tensors (then ReLU) that follows one
// of these convolutions is fused into it at plan time (fuseResiduals):
// the convolution adds the other operand as it stores its output.
// Gradient plans keep the Add as its own step. Likewise a HardSwish,
// HardSigmoid, Sigmoid or SiLU (Sigmoid(x) and Mul(x, Sigmoid(x))) that
// is the only reader of a convolution's output is fused into it
// (fuseActivations, conv_activation.go): depthwise and 1x1 convolutions
// apply it to each plane or block while it is in cache, the others in a
// pass over their output.
//
// A batch-1 stride-1 convolution with small weights (every layer of a
// CIFAR ResNet but the last stage, resnet18's first stage) is split by
// bands of output rows instead, each worker padding its rows, computing
// them for every channel and copying them out (conv_bands.go): splitting
// the three phases separately moved every operand between the cores'
// caches.
//
// Parallel sections (the kernels' fork-joins) run on a small pool of
// persistent workers that spin briefly between sections and park when
// idle (pool.go): a batch-1 CIFAR ResNet issues a section every few
// tens of microseconds, about what a scheduler wake-up costs.
//
// A batch of several images is split over GOMAXPROCS goroutines, one per
// worker for the whole convolution, each with its own scratch, stacked
// chunks sized so that no worker gets more images than it must (splitting
// every image's small GEMMs instead made two threads slower than one on
// ResNet-20 at batch 8). A single image's product is split by column
// panels, or by row panels when there are few columns (batch-1 layers
// with 7x7 outputs), so that each goroutine reads only its share of the
// weights. Results do not depend on the split (every output element is
// summed in the same order), so runs are bit-identical at any thread
// count.
//
// Without them (the generic kernel path, or SessionOptions.BLASConv)
// convolutions are GEMMs through gonum's blas32 (OpenBLAS under the
// `openblas` build tag, pure Go otherwise):
//   - stride-1, undilated, ungrouped convolutions with constant weights
//     (unless SessionOptions.NoShiftedConv) skip im2col: each kernel tap
//     is one GEMM over a shifted view of the zero-padded input,
//     accumulated into an output laid out with the padded width (see
//     conv_shifted.go);
//   - the rest use im2col + GEMM; 1x1 stride-1 convolutions use the input
//     as it is.
//
// Runs are deterministic on this path too, but a product split over more
// goroutines hands BLAS narrower matrices, which it may sum in another
// order: outputs at different thread counts can differ in the last bits.
//
// There, small spatial outputs stack several images into one wide GEMM.
// Unless SessionOptions.NoSplitGemm is set, each convolution splits its
// GEMM columns over GOMAXPROCS goroutines calling a single-threaded BLAS,
// and im2col and pooling split their planes the same way: hierlearn's
// commands set OpenBLAS to one thread. Max pooling is separable (window rows, then
// columns). Pooling, broadcasting elementwise ops, reductions and shape
// ops are plain Go loops; reshape-like ops are views.
//
// # Gradients
//
// GradSession (grad.go) is reverse-mode differentiation as a tape in this
// executor, not a lowering to gorgonia: a plan is already a linear list of
// steps over numbered values with concrete shapes, so the tape is a plan
// whose values each keep their own buffer (ownBuffers) plus one backward
// function per operator (named by its registry entry; grad_ops.go,
// grad_conv.go) that maps output gradients to input gradients. The forward pass reuses the very kernels
// Session runs (one implementation of every operator's semantics, no
// second IR to keep in step), the convolution backward is two BLAS GEMMs
// per image and group plus col2im (for 2-D stride-1 windows,
// grad_conv_shifted.go: the weights' gradient as one sgemm.TapDot over
// every (channel, tap) window of the padded input, one BLAS GEMM per tap
// on the generic path, and, for the input, a stride-1 convolution of the zero-padded output gradient
// with the flipped weights through sgemm.Shifted, neither im2col nor
// col2im), and gorgonia would need custom Ops
// for half the operators anyway (grouped/dilated Conv, pooling with
// ceil_mode, Pad modes, Gather...). Session itself is untouched: users who
// do not need gradients keep its buffer reuse, folding and speed.
// BackwardParams skips what only the graph inputs' gradient needs (a
// training step's first convolution computes no input gradient).
// Backward takes its gradient buffers from a pool kept with the plan
// (grad_pool.go) and returns each one when its value's producer has
// run, so a training loop allocates no activation-sized buffers after
// its first step.
//
// Params (initializers to differentiate or train) become run-time inputs
// of the GradSession's copy of the model, so kernels specialised to
// constant weights are not used for them (a 2-D stride-1 Conv with
// run-time weights packs them on every run and goes through
// sgemm.Shifted, conv_runtime.go). BatchNormalization is folded
// into the preceding Conv at load time; LoadOptions{NoFold: true} keeps it
// as a node, so that the file's own Conv weights and BN parameters are
// params. SetTraining (grad_train.go) puts a GradSession in PyTorch's
// train mode: BatchNormalization normalises with the batch's statistics
// (its kernel and backward work on contiguous planes with vec's loops,
// bn_planes.go; the forward keeps the batch statistics in a hidden output
// that the running-statistics update and the backward reuse), and every
// Forward updates the running statistics
// with the node's momentum (unbiased batch variance, as PyTorch does);
// RunningStats gives them for writing back. FreezeBatchNorm
// (grad_freeze.go) keeps named nodes in inference form in training mode,
// as PyTorch's eval() on a frozen block; MatchPrefix, PrefixInitializers,
// PrefixOutput and InitializersFeeding (stage.go) find a block's nodes,
// weights and output by node-name prefix, for staged training
// (analysis.StagedFit). A BatchNormalization node
// with training_mode=1 runs the same way in any session, its optional
// running-statistics outputs following ONNX (biased variance). Dropout
// with training_mode true draws its mask as ONNX's reference does
// (numpy's Mersenne Twister seeded with the node's seed attribute,
// mt19937.go), so a node draws the same mask on every run; its backward
// goes through the kept elements. Data-movement operators (Transpose, Concat, Split, Slice,
// Gather, Pad, Expand, Where) share one backward: their forward kernel is
// run on element numbers to recover which input element each output
// element copies. Integer and bool values (Shape's output, indices,
// Equal's mask) are not differentiated. Operators whose entry declares no
// derivative stop Backward with ErrNoGradient, naming the node, when a
// gradient reaches them through float values: never a silent zero. If
// differentiates the branch its condition took (run again on a tape of
// its own); Loop and Scan have no derivative yet.
package importer
