// Package robust studies feature purification (Allen-Zhu & Li, "Feature
// Purification: How Adversarial Training Performs Robust Deep Learning",
// arXiv 2005.10190): a two-layer ReLU network trained on sparse-coding data
// (concept.SparseCoding) by clean and by adversarial training, attacked on
// its own input gradient, next to models that cannot become robust there:
// the same network kept near initialisation (NTK regime), logistic
// regression and a low-degree polynomial kernel predictor.
//
//	sc, _ := concept.NewSparseCoding(concept.SparseCodingSpec{D: 100, Noise: 0.1, Margin: 1, Seed: 1})
//	tr, _ := sc.Sample(10000, 1)
//	te, _ := sc.Sample(1000, 2)
//	e := robust.Experiment{Kind: robust.KindNet, L2Radii: []float64{0.3},
//		Train: robust.Config{Width: 200, Init: 0.1, LR: 0.003, Adam: true, Batch: 100, Steps: 3000, Seed: 1,
//			Adv: robust.Attack{Method: robust.PGD, Norm: robust.L2, Eps: 0.3, Steps: 5}}}
//	res, err := robust.Run(ctx, e, sc, tr, te) // accuracies, robust curves, decomposition
//
// # The network
//
// The paper's two-layer network with a fixed output layer and a symmetric
// ReLU pair per neuron (Net):
//
//	f(x) = A sum_r [relu(<w_r, x> + b_r) - relu(-<w_r, x> + b_r)],  A = 1/sqrt(m)
//
// Each neuron is an odd function of <w_r, x>: with b_r = 0 it is linear
// (so the network starts as a linear model), with b_r < 0 it is a
// soft-threshold that ignores |<w_r, x>| < -b_r, the feature detector that
// makes a network robust to small dense perturbations. The ReLU is not
// smoothed (the paper smooths it for its proofs); W and the biases b are
// trained, the output weight A is not. w_r starts as N(0, (Init^2/d) I)
// (small, Init = 0.1 in the preset: the feature-learning regime) and b at
// Bias (0).
//
// The NTK-regime network is the same network, centred and scaled:
// f(x) = Alpha (g(x) - g_0(x)) with Init = 1 and Alpha = 100, trained by
// SGD on the loss divided by Alpha^2, so that the function moves at an
// Alpha-independent speed while the weights move by O(1/Alpha): it stays
// next to its linearisation at initialisation (its neurons' cosine to their
// initial weights stays at 1.000), a kernel method in disguise.
//
// # Training
//
// Mean logistic loss log(1 + exp(-y f)) over batches drawn without
// replacement (reshuffled every epoch), Adam (the network and logistic
// regression) or SGD with heavy-ball momentum (the NTK-regime network:
// Adam's normalisation would undo the 1/Alpha^2 scaling). Adversarial
// training replaces every batch by its attacked copy under the current
// weights (the attack of Config.Adv, from step Warmup on). The polynomial
// kernel predictor is train/kernel's kernel ridge regression on the ±1
// labels with (<x, x'>/d + 1)^p, the ridge chosen on a validation split.
// Random streams: the network's weights from PCG (Seed, 0x70757269), the
// batches from PCG (Seed, 0xba7c). The networks' batches run in single
// precision: the attack of adversarial training, the forward pass and the
// parameter gradient on a float32 copy of the weights through blas32's
// Sgemm (internal/numeric's kernels), each product X W^T computed once for
// both the scores and the gradient; the weights and the optimiser stay in
// float64, and so does everything Run measures.
//
// # Attacks
//
// Attack: FGM (one step of size eps along g/||g||_2, or eps sign(g) under
// l-infinity: FGSM) and PGD (Steps steps of 2.5 eps/Steps, each projected
// back onto the ball; from x, and with Restarts also from that many seeded
// random points of the ball, keeping the worst case per point), both on
// the model's own input gradient (Model.InputGrad): in closed form for
// every model, including the kernel predictor,
//
//	grad f(x) = sum_i alpha_i p (<x, c_i>/d + C)^(p-1) c_i / d.
//
// The attacks ascend the margin loss -y f, whose gradient points where the
// logistic loss's does, without vanishing on confident points. The tests
// check every input and parameter gradient against central differences and
// the attacks against their closed forms on a linear model.
//
// # Measurements
//
// Run reports the clean test accuracy and the accuracy under PGD (10 steps
// by default) and FGM at every radius of an l2 and an l-infinity grid, and
// for the networks the decomposition of every neuron in the dictionary's
// basis (Decompose): c = M^T w_r, its top-k coefficients by magnitude (k =
// DefaultTopK = 3: a purified neuron holds one atom, or a few when the
// width is smaller than the number of atoms) as the pure part, the rest as
// the dense mixture, with the per-neuron and whole-layer ratios
// ||dense|| / ||pure||, the participation number (sum c^2)^2 / sum c^4
// (the effective number of atoms: 1 for one atom, about d/2 for a random
// direction), the share of ||W||^2 in the pure parts, the cosine of each
// neuron to its initial weights and the mean sorted coefficient profile,
// both at initialisation and after training. For the linear model Run
// also gives the exact robust accuracy at every radius
// (Linear.ExactRobustAccuracy: the worst perturbation of a linear model
// is -eps y w/||w||_2 under l2 and -eps y sign(w) under l-infinity, so
// PGD's figure for it is exact, and PGD-l-infinity training of it is
// exact robust logistic regression) and the spread of its weights over
// the input coordinates, ||w||_1 / (sqrt(d) ||w||_2) (Linear.L1Ratio):
// l-infinity adversarial training lowers it, concentrating w on few
// coordinates, which is how a linear model gains l-infinity robustness
// at small d.
package robust
