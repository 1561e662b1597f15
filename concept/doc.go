// Package concept generates the hierarchical concept classes the project
// studies, samples datasets from them and reads and writes their files.
//
//	c, err := concept.New(concept.DefaultSpec()) // d=20, L=3, k=3, alpha 1, 0.3
//	train, err := c.Sample(10000, 2)              // x ~ N(0, I), y, hidden S_l
//	err = train.Save("train.npz")                 // numpy/PyTorch-readable .npz
//	ds, err := concept.LoadDataset("train.npz")   // the one dataset type
//
// # The hierarchical quadratic family ("hq")
//
// Section 1 of shared/notes/hierarchical-learning.md, implemented exactly.
// For x ~ N(0, I_d):
//
//	Gc_0 = x,  Gc_1 = (x*x - 1)/sqrt(2)
//	S_l  = (sum over j in J_l of W_{l,j} Gc_j) / s_l        l = 2..L, k_l features
//	G_l  = S_l * S_l,   Gc_l = (G_l - mu_l) / sd_l
//	y_raw = sum_l alpha_l ||S_l||^2,   y = (y_raw - m) / s
//
// W_{l,j} is k_l x dim_j with iid N(0, 1/dim_j) entries (dim_j = d for
// j = 0, 1 and k_j otherwise); for l >= 3 the block W_{l,l-1} is
// multiplied by the gain w. The degree of y is exactly 2^L.
//
// Skip sets J_l (Inputs): "default" {0, 1, l-1}, "chain" {0, l-1}, "dense"
// {0, ..., l-1}; each index once, so J_2 = {0, 1} in every mode.
//
// # Choices where the notes leave freedom
//
//   - s_l is the root mean square of the pre-activation P on the
//     normalisation samples (not the centred standard deviation): P has
//     population mean zero since every Gc_j has mean zero, and the RMS makes
//     E[G_l] = 1 on those samples. mu_l and sd_l are the mean and the
//     population standard deviation (divide by n) of G_l; they are computed
//     from the moments of P in the same pass, layer by layer: pass l
//     re-draws the same 100,000 inputs and uses the finished constants of
//     the layers below.
//   - m and s are the mean and population standard deviation of y_raw on
//     the same normalisation samples; Median is the median of the
//     standardised y there. All constants are stored with the concept and
//     never re-estimated on a dataset.
//   - Classification: label = +1 if y >= Median, else -1 (the median is
//     the concept's, so a point's label does not depend on the dataset it
//     is in); then each label is flipped with probability LabelNoise.
//   - Variance share of layer l (VarianceShare): Cov(alpha_l ||S_l||^2,
//     y_raw) / Var(y_raw) on the normalisation samples. These shares sum to
//     one exactly (Var(alpha_l ||S_l||^2)/Var(y_raw) would not, the terms
//     being correlated).
//   - Gain 0 in a Spec means the default 1 (the deep path cannot be turned
//     off through the gain). Alpha nil means DefaultAlpha: 1, 0.3, 0.09, ...
//   - Parameter count: the entries of all W blocks plus the alphas.
//
// # The relu-teacher family
//
// A random deep ReLU network without biases: h_0 = x,
// h_l = max(0, W_l h_{l-1}) for l = 1..D (Spec.Layers = D, Spec.Widths =
// k_1..k_D), W_l with iid N(0, 2/k_{l-1}) entries (He scaling, k_0 = d),
// y_raw = a · h_D with a ~ N(0, 1/k_D), standardised like hq with m, s
// from the 100,000 normalisation samples. The hidden features are the
// h_l. Alpha, Skip and Gain do not apply. Without biases, narrow layers
// die often: with widths 16, 8, 4 about a third of the inputs give h_D = 0
// (and the same y); widths of 16 and more rarely do.
//
// # The sparse-coding model (feature purification)
//
// SparseCoding (sparsecoding.go) is the data model of Allen-Zhu & Li,
// "Feature Purification" (arXiv 2005.10190), on its own type beside the
// concept families: x = M z + xi with M a random orthonormal d x d
// dictionary, z sparse (each entry non-zero with probability k/d, k =
// round(sqrt d) by default, a non-zero entry a random sign times U[1/2,
// 1]), xi ~ N(0, noise^2/d I), and y = sign(<w*, z>) with a dense w*,
// w*_i ~ U[1/2, 1]. Its datasets are ordinary classification Datasets
// (f = <w*, z>, the hidden member h1 holds z, meta the spec and seeds);
// the model itself (M, w*) is saved as JSON with a checksum like
// concept.json (format "hierlearn-sparse-coding" v1) and validated on
// load (orthonormal M). M and w* come from the stream "dicti" of the
// spec's seed, z and xi from the streams "code" and "xi" of the sample
// seed. `hierlearn data sparse-coding` writes a model and its data.
//
// # Randomness
//
// math/rand/v2 PCG sources with explicit stream words (rng.go): weights
// (drawn layer by layer, input block by ascending j, row-major; the relu
// output weights last) and the normalisation inputs from Spec.Seed;
// dataset inputs and label-noise flips from the seed given to Sample.
// Normal variates are NormFloat64 on those sources (pure Go), so a concept
// and its samples are a pure function of (spec, seed): the same bytes on
// every machine for the same build.
//
// # concept.json
//
// Indented JSON: format "hierlearn-concept", version 1, generator
// (toolkit version), the completed spec, degree, norm_samples, out_mean,
// out_std, median, variance_share (hq), out_weights (relu-teacher), and
// layers: {layer, inputs (J_l), rows (k_l), cols (dim_j per block), w (one
// row-major block per input, gain folded in, 1/s_l not), scale (s_l), mu,
// sd}. Floats are written by encoding/json in the shortest form that
// round-trips exactly. A checksum "sha256:..." covers the compact JSON of
// the whole body with the checksum field empty; Load rejects a file whose
// checksum, shapes, skip sets or spec do not agree, or whose numbers are
// not finite.
//
// # Datasets
//
// Dataset.Save writes an uncompressed .npz (see Dataset) that numpy and
// PyTorch load directly; LoadDataset reads it back with shape checks.
// LoadFashionMNIST reads the IDX .gz files of Fashion-MNIST.
package concept
