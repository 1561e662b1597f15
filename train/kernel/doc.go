// Package kernel holds the kernel baselines of the hierarchical-learning
// comparison (notes, section 4): closed-form kernels, random features,
// empirical kernels through one interface, and a fast float64 kernel ridge
// regression (KRR) solver.
//
//	k, err := kernel.Parse("ntk:2", seed)
//	res, err := kernel.Fit(k, trainSet, kernel.Options{}) // *concept.Dataset; ridge chosen on validation data
//	pred, err := res.Predictor.Predict(kernel.Inputs(testSet))
//	m, err := kernel.Score(pred, testSet) // m.RelMSE
//
// The kernel machines are learners like train's HNet and MLP, kept in a
// package of their own that imports nothing of train: a peer of the
// network learners, not a part of them.
//
// # Kernels
//
// Every kernel is a Kernel (a Gram-block function); Parse reads the
// command-line specs. With d the input dimension and z = [x/sqrt(d), 1]:
//
//	poly:P[:c=C]   (<x,y>/d + C)^P, C = 1 by default; linear = poly:1:c=0
//	rbf[:gamma=G]  exp(-G ||x-y||^2), G = 1/(2d) by default
//	ntk:D, nngp:D  ReLU network with D layers (D-1 hidden), infinite width
//	comp[:L[:S]]   the HNet compositional kernel, depth L (default 3),
//	               skip family S = default | chain | dense
//	rf-relu:W      W random ReLU units, ridge on the last layer
//	rf-quad:W      W random quadratic units, ridge on the last layer
//
// ReLU NTK/NNGP (Cho & Saul 2009; Jacot et al. 2018; Arora et al. 2019),
// weights N(0, 2/fan_in) so that the diagonal is preserved:
//
//	Sigma^0(x,y) = <z_x, z_y>
//	rho = Sigma^{h-1}(x,y) / sqrt(Sigma^0(x,x) Sigma^0(y,y)), t = arccos rho
//	Sigma^h(x,y) = sqrt(Sigma^0(x,x) Sigma^0(y,y)) (sin t + (pi - t) cos t) / pi
//	Sigmadot^h(x,y) = (pi - t) / pi
//	Theta^0 = Sigma^0, Theta^h = Theta^{h-1} Sigmadot^h + Sigma^h
//	ntk:D = Theta^{D-1}, nngp:D = Sigma^{D-1}
//
// The compositional kernel is the infinite-width kernel of the HNet
// learner (notes, section 2) with random Gaussian layer weights, read
// through the quadratic dual E[(w.u)^2 (w.v)^2] = |u|^2|v|^2 + 2(u.v)^2
// (w ~ N(0, I)) and composed along the skip sets J_l:
//
//	k_0(x,y) = <x,y>/d,  k_1(x,y) = <h(x), h(y)>/d,  h(x) = (x*x - 1)/sqrt(2)
//	Sigma_l(x,y) = mean over j in J_l of k_j(x,y)                  (l >= 2)
//	k_l(x,y) = (Sigma_l(x,x) Sigma_l(y,y) + 2 Sigma_l(x,y)^2) / 3
//	comp(x,y) = 1 + sum_{l=2..L} k_l(x,y)
//
// The 1/3 makes k_l(x,x) = Sigma_l(x,x)^2, so every layer's kernel has the
// scale of its input; the constant 1 is the output bias; every layer's
// output term gets weight 1 (the ridge search absorbs the overall scale).
// The learner's running normalisation (centering) is not modelled: the
// kernel is that of the uncentered random-weight network.
//
// Closed-form kernels are "dot kernels": an elementwise function of the
// inner products of one or two linear lifts of the inputs. Their Gram
// blocks are built with BLAS (DSYRK for a symmetric Gram, DGEMM in row
// blocks otherwise), then mapped in parallel goroutines.
//
// Anything else plugs into the same solver as a Kernel: a FeatureMap
// (explicit features, e.g. an imported model's penultimate layer: wrap it
// in FeatureKernel) or a GramFunc (a Gram-block function, e.g. an
// imported model's empirical NTK).
//
// # Solvers
//
// Fit solves (K + mu I) alpha = y with mu = lambda tr(K)/n; lambda is
// fixed (Options.Ridge) or chosen from a grid (DefaultGrid) by the loss on
// a seeded 20% validation split (MSE; 0-1 error for classification, ties
// broken by MSE), then the model is refitted on all the training data.
//
//   - exact: the lower triangle of the n×n Gram is built once (8 n^2
//     bytes) and kept intact. Each lambda solves on its leading (fit)
//     block and predicts the validation rows from the validation×fit
//     block, so validation needs no second Gram. A solve is mixed
//     precision when the float32 Cholesky is fast (numeric.FastCholesky32:
//     OpenBLAS, or the pure-Go build's Go-assembly kernels on amd64): a
//     float32 copy (4 n^2 bytes) is factorised (spotrf, or numeric's
//     blocked Cholesky on sgemm; about twice the float64 rate) and
//     preconditions conjugate gradients on the float64 system, which
//     reach a relative residual of 1e-12 in 3-6 iterations of one DSYMV
//     each; the answer is the float64 solution (tests: equal to the
//     float64 Cholesky to 1e-9, to scikit-learn to 1e-8). When the float32
//     factorisation fails or CG stalls above 1e-10 (cond(K) near 1e7 or
//     more, e.g. a tiny ridge), or without a fast float32 Cholesky, dpotrf
//     factorises the fit block's lower triangle in place while the upper
//     triangle keeps K, and the lower one is restored afterwards. One
//     factorisation per lambda was preferred to one eigendecomposition
//     for the whole grid: on the 2-core reference machine dsyevd costs
//     about as much as 15-25 Choleskys (BenchmarkFactor in
//     internal/numeric), more than a 7-point grid.
//   - exact with a FeatureMap narrower than n (random features): ridge in
//     the primal, (PhiᵀPhi + mu I) beta = Phiᵀ y, same predictions.
//   - nystrom:M: subset of regressors with M landmarks drawn from the
//     training points, (K_mn K_nm + mu K_mm) beta = K_mn y; K_mn K_nm is
//     accumulated over streamed row blocks, so memory is O(M^2), not n^2,
//     which is the method for n = 50k-200k.
//   - cg[:M]: conjugate gradients on the Gram stored in float32 (4 n^2
//     bytes, half of exact) with a rank-M Nystrom preconditioner applied
//     through the Woodbury identity.
//
// Before allocating, every method estimates its memory and fails with an
// error wrapping ErrTooLarge when it exceeds Options.MemLimit (default
// 70% of physical memory, from /proc/meminfo).
//
// # Tasks
//
// Regression fits y; binary classification fits the ±1 labels and
// predicts their sign; multiclass fits one-vs-rest one-hot targets (one
// output per class, one factorisation for all) and predicts the argmax.
//
// # Saved predictors
//
// Predictor.Save writes predictor.npz (see Save for the members and
// PredictorMeta for the JSON metadata); Load reads it back. A dual model
// predicts f(x) = sum_i alpha_i k(x, c_i) with the centers c_i (training
// points, or Nystrom landmarks); a random-feature model predicts
// phi(x) beta with its first-layer weights stored.
//
// # Representation similarity
//
// LinearCKA (and GramCKA, from two Gram matrices) is the linear centred
// kernel alignment of two representations of the same examples (Kornblith
// et al. 2019): how similar the features of a block are at two points of
// training, invariant to rotations and isotropic scaling.
package kernel
