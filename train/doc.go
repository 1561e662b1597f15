// Package train holds the hierarchical learner HNet, the ReLU MLP
// baseline, their training modes and the metrics of the backward feature
// correction (BFC) experiment (project notes, hierarchical-learning.md
// sections 2 and 3; Allen-Zhu & Li, arXiv 2001.04413).
//
//	tr, err := train.LoadData("train.npz") // a concept.Dataset
//	te, err := train.LoadData("test.npz")
//	cfg := train.DefaultConfig()           // HNet, progressive, the notes' settings
//	res, err := train.Run(ctx, cfg, tr, te, train.Options{OutDir: "runs/prog"})
//	fmt.Println(*res.Metrics.TestRelMSE, res.Metrics.FeatureError[2])
//
// # HNet
//
// For an input x in R^d and depth L, with widths k'_l and skip sets J_l
// (default {0, 1, l-1}, as in the concept class):
//
//	H_0 = x, H_1 = (x*x - 1)/sqrt(2)
//	S_l = K_l [H_j for j in J_l]                  (no bias), l = 2..L
//	H_l = N_l((R_l S_l) * (R_l S_l))              l = 2..L-1
//	F(x) = b + sum over active l of a_l * Sum(S_l * S_l)
//
// R_l is a fixed random k'(k'+1)/2 x k' matrix whose rows are Gaussian
// vectors normalised to unit length (the quadratic lift: the squares of its
// rows span every quadratic form of S_l). N_l is a running-statistics
// normalisation: per coordinate, (q - mean)/sqrt(var + 1e-5) with mean and
// var exponential moving averages (momentum 0.02) of the batch mean and
// the batch population variance (divide by n). The statistics are
// detached (constants for the gradient) and the same in training and
// inference; the first batch that updates them sets them. They are updated
// before they are used, on every training step in which K_l is trained
// and layer l is at or below the top active layer; H_l is computed in
// stage l already (before any layer consumes it), so that its statistics
// are current when layer l+1 switches on.
//
// Initialisation (one PCG stream, seed and stream 0x1417): K_l entries
// N(0, 1/fan_in) row by row, the deep block K_{l,l-1} (l >= 3) scaled by
// 0.1 so that training starts close to shallow; then R_2..R_{L-1};
// a_l = 1/k'_l; b = 0.
//
// # Training
//
// Adam (beta 0.9, 0.999, eps 1e-8, PyTorch's update) with a one-cycle
// schedule per stage: linear warm-up over the first ceil(5%) of the steps
// from peak/W to the peak (default 3e-3), then cosine decay towards zero.
// Gradients of the trained parameters are clipped to joint Euclidean norm
// Config.Clip (PyTorch's clip_grad_norm_ rule): 1 in the notes' recipe,
// 0.3 in the plateau recipe. Batches (default 512) are drawn with
// replacement from a second PCG stream (seed, 0xba7c). Loss: mean squared
// error for regression, mean logistic loss log(1 + exp(-y F)) for
// classification (labels -1, +1).
//
// A run is a list of stages; stage l switches on the output terms 2..l and
// trains a, b and K_lo..K_l for StepsPerStage steps, with a fresh Adam
// state and a fresh schedule:
//
//	progressive  lo = 2 (the paper's algorithm: all layers below are trained)
//	layerwise    lo = l (lower K and their normalisation frozen)
//	bfc-k        lo = max(2, l-k) (how deep correction must reach; bfc-0 is layerwise)
//	e2e          one stage, every layer on from step 0, (L-1) x StepsPerStage steps
//
// The MLP baseline (ReLU, default 2 x 512, He initialisation) trains like
// e2e.
//
// # Recipes
//
// Config.Recipe sets how long a stage trains. RecipeFixed (the default of
// DefaultConfig and `hierlearn train`) is the notes' recipe above:
// StepsPerStage steps (4,000) a stage, the last iterate kept; it is the
// one tools/hnet_ref.py implements, step for step. RecipePlateau
// (PlateauConfig; the default of `hierlearn bench bfc` and of the depth,
// scaling and backward-depth presets) holds out the last ValFraction
// (10%) of the training rows for validation and trains each stage in
// cycles with warm restarts: every cycle has a fresh Adam state and a
// one-cycle schedule to the peak LR, the first Cycle steps (2,000) long
// and each later one twice as long as the one before (SGDR, T_mult = 2).
// The first cycle is run Restarts times (r = 3): from the model as it is
// and from the same state with the newly switched-on layers redrawn from
// the stream (seed, 0x5e57 + stage index); the candidate with the lowest
// validation error continues. A stage ends when Patience (2) cycles in a
// row lower the best validation error by less than 2%, or when the next
// cycle would pass StepCap (48,000) steps (e2e and the MLP: (L-1) x
// StepCap); the model with the lowest validation error is kept. After
// the first stage the model of the stage before, with the new layers'
// output terms switched off (a_l = 0, so it predicts what it predicted
// then), competes too: a stage never ends worse on validation than it
// started, and metrics.json marks a stage that kept it (kept_previous). Its
// gradients are clipped to norm 0.3 (PlateauClip) rather than 1: deep
// hq targets are heavy-tailed (a polynomial of degree 2^L in Gaussian
// inputs), a batch holding one extreme point would otherwise dominate
// its step, and at L = 5 the tighter clip lowered the test error of
// progressive training about 2.5-fold (see PlateauClip). The test
// set is measured after each stage and never chooses anything. metrics.json
// records the recipe, its settings, the validation size and, per stage,
// the steps and cycles run, every candidate's validation error and the one
// chosen. An interrupted plateau run checkpoints the start of its current
// stage, which a resumed run trains again to the same bytes.
//
// # Implementation
//
// Training runs on a hand-written forward and backward pass over
// preallocated slices, generic over float32 and float64, with every
// matrix product a BLAS GEMM (gonum's blas32/blas64, routed to OpenBLAS by
// the openblas build tag through internal/numeric): no allocation per step.
// This "native" engine is the default. Config.Engine may name another
// Engine registered with RegisterEngine, which computes the HNet's loss
// and gradient its own way (over HNetState, which shares the engine's
// arrays); only the running statistics, which are not differentiated, are
// then updated by the native forward pass. train/gorgoniaengine is one: a
// gorgonia expression graph of the same model, registered by the hierlearn
// command, so that train itself links no graph library. The two engines
// train to the same model (float64: to 1e-16) and the native one is many
// times faster (no graph overhead).
// The gradients are checked against central finite differences in float64
// (hnet_engine_test.go), against gorgonia (engine_test.go) and against the
// independent PyTorch implementation tools/hnet_ref.py (ref_test.go: every
// loss and gradient of ten steps through three stages, float64).
//
// # Metrics
//
// After every stage, on the test set: relative MSE (MSE over the
// population variance of y) or the 0-1 error, and for every layer l up to
// the top active one the feature error e_l = min over (A, c) of
// ||A S_l + c - S*_l||^2 / ||S*_l||^2, a least-squares fit with intercept
// (gonum QR) of the concept's hidden features S*_l by the learned S_l. BFC
// shows as e_2 falling when layer 3 trains jointly (progressive) and
// staying put under layerwise training.
//
// # Files
//
// Run writes into its run directory config.json (Config, data files,
// version, BLAS), model.json (HNet or MLP, see their documentation for
// every tensor's layout; floats are written with the shortest decimal
// that reads back to the same float64, so they are exact) and
// metrics.json (Metrics). When its context is cancelled (the CLI cancels
// it on SIGINT and SIGTERM) it writes checkpoint.json — the model,
// normalisation state, Adam moments and step count, the batch stream's
// PCG state, the stage and step, and the metrics so far — and a run with
// Options.Resume continues it to the same bytes as an uninterrupted run.
// Same seed, same machine, same BLAS: identical results.
package train
