// Package deepnet trains deep fully connected ReLU networks in the three
// parameterisations of over-parameterisation theory and measures how far
// training moves them from initialisation (issue 17: Allen-Zhu, Li & Song,
// arXiv 1811.03962; Chizat, Oyallon & Bach's lazy training; deep ReLU
// teachers, arXiv 2009.13512).
//
//	cfg := deepnet.Config{Param: deepnet.NTK, Depth: 2, Width: 1024, Alpha: 1, LR: 1, Steps: 2000, Seed: 1}
//	res, err := deepnet.Train(ctx, cfg, tr, te) // concept.Dataset, regression
//	fmt.Println(res.ConvRate, res.RelChange, res.NTKMove, res.TestRelMSE)
//
// # The network
//
// Depth L (2..6) weight layers, L-1 hidden layers of Width m, no biases:
//
//	h_0 = x,  z_l = c_l W_l h_{l-1},  h_l = relu(z_l)  (l < L),  f(x) = z_L
//
// with fan-in n_l (n_1 = d, else m), gain s_l = 2 for hidden layers (He)
// and 1 for the output layer:
//
//	standard    W_l ~ N(0, s_l/n_l), c_l = 1
//	ntk         W_l ~ N(0, 1),       c_l = sqrt(s_l/n_l)
//	mean-field  as ntk, but the output multiplier c_L = 1/m
//
// The prediction is p(x) = alpha * f(x), or alpha * (f(x) - f_0(x)) with
// Center (f_0 the network at initialisation, so that p starts at zero as in
// Chizat et al.); the loss is (1/(2 alpha^2)) mean (p - y)^2. With this
// scaling the function moves at a speed independent of alpha while the
// weights move by O(1/alpha): large alpha is the lazy (kernel) regime.
//
// # Training
//
// Plain gradient descent, full batch (Batch 0) or SGD on Batch rows drawn
// with replacement, for Steps steps at a constant step size: LR for
// standard and ntk, LR * m for mean-field (so that the function moves at a
// width-independent speed, the mean-field time scale). Weights are drawn
// layer by layer, row by row, from the PCG stream (Seed, 0xdee9); batches
// from (Seed, 0xba7c).
//
// # Measurements (Result)
//
//   - Loss: the full training loss (1/2) mean (p - y)^2 against step (every step for full-batch
//     GD, every LogEvery steps for SGD), and ConvRate, the least-squares slope of
//     -ln(loss) against step over the second half of training (the points
//     above 1e-10 of the first loss; linear convergence: loss_t ~ C
//     exp(-rate t) once the fast modes have decayed), with its R^2.
//   - With full-batch GD, reference rates fitted the same way on the
//     loss curve (in closed form, LinearisedLoss) of gradient descent with
//     the same step size and steps from the same initial residual y - p_0
//     on a linear model: LinConvRate with the network's initial empirical
//     NTK K_0 (the linearised network), FinConvRate with its empirical NTK
//     K_T at the end of training, and, in the NTK parameterisation,
//     InfConvRate with the analytic infinite-width NTK (AnalyticNTK, the
//     arc-cosine recursion for this exact network: every layer trained, no
//     biases). The network's rate tends to InfConvRate as the width grows;
//     at a finite width it is close to FinConvRate, so that its distance to
//     InfConvRate measures how far the kernel has moved in the directions
//     that are still being fitted (the slow ones, whose eigenvalues can be
//     a thousand times below the largest).
//   - RelChange: ||W_T - W_0||_F / ||W_0||_F per layer, and RelChangeAll of
//     the whole parameter vector.
//   - PatternChange: the fraction of (probe point, hidden unit) pairs whose
//     pre-activation sign differs between the end and the initialisation.
//   - NTKMove: ||K_T - K_0||_F / ||K_0||_F, K the empirical neural tangent
//     kernel of f on the probe set (the first Probe test points), computed
//     exactly as the sum over layers of c_l^2 (G_l G_l^T) .* (H_{l-1} H_{l-1}^T),
//     G_l the per-point gradients of f with respect to z_l.
//   - TestRelMSE: mean (p - y)^2 / Var(y) on the test set.
//   - With KRR, two predictors on the initial NTK K_0: the linearised
//     network trained by the same gradient descent (in closed form,
//     r_{t+1} = (I - eta K_0/n) r_t for the training residual), its test
//     error and LinGap = ||p - p_lin|| / ||p_lin|| on the test set (about 0
//     in the lazy regime); and ridgeless kernel regression with K_0 (the
//     interpolating limit), its test error.
package deepnet
