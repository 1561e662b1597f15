// Package lagfield generates gridded spatio-temporal data whose feature
// importance is known in closed form: the test bed of the
// feature-importance study (issue 16; after the DenseNet climate
// emulator of Xu et al., arXiv 2108.13203, whose prediction at a point
// depends on a small neighbourhood and on a few recent months).
//
//	s := lagfield.DefaultSpec()            // 16x16 grid, 6 lags, 3 channels
//	train, err := s.Sample(2000, 1)       // a concept.Dataset: x [N, C*L, H, W], y [N, 1, H, W]
//	err = lagfield.Save("train.npz", s, train)
//	truth := s.Truth(lagfield.Point{8, 8}) // the true importance of every input element
//
// # The process
//
// C input channels evolve on an H x W grid as independent AR(1) series in
// time, white in space: x_c(0, q) ~ N(0, 1) and
//
//	x_c(s, q) = rho x_c(s-1, q) + sqrt(1 - rho^2) e,   e ~ N(0, 1),
//
// so every value is N(0, 1). Example i is the window of the L time steps
// ending at t = i + L - 1 (consecutive examples overlap, as in a climate
// record): input channel c*L + l holds x_c(t - l), lag l = 0 being the
// target's own time step. The target field is
//
//	z(t, p) = sum_c a_c sum_l exp(-l/tau) sum_{|o| <= R} exp(-|o|/ell) x_c(t-l, p+o)
//	u = z / s,   y(t, p) = u + beta tanh(u) + noise e'
//
// with |o| the Euclidean length of the offset o, terms outside the grid
// left out (zero padding), s the stationary standard deviation of z at an
// interior point (closed form, Spec.Scale) and e' ~ N(0, 1). A channel
// with a_c = 0 is a distractor: same statistics, no influence.
//
// # The ground truth
//
// The map from x to u is linear with weights
//
//	w(c, l, q; p) = a_c exp(-l/tau) exp(-|q-p|/ell) / s   for |q-p| <= R, else 0,
//
// and beta tanh is monotone, so the derivative of y(t, p) with respect to
// x_c(t-l, q) is (1 + beta sech^2 u) w: the same ranking of inputs for
// every example. Every input has unit variance, so |w| is also the
// expected size of each input's contribution. Spec.Truth gives |w| for a
// target point p; Aggregate sums an importance map to per-lag,
// per-channel and per-location totals and averages it per distance bin
// (round(|q-p|)), the profiles the study scores methods on: the truth
// decays as exp(-l/tau) in lag and as exp(-d/ell) in distance.
//
// # Files
//
// Save writes an uncompressed .npz that numpy and PyTorch read directly
// (tools/train_emulator.py trains on it; there is no second generator):
// x float32 (N, C*L, H, W), y float32 (N, 1, H, W), weights float64
// (C, L, 2R+1, 2R+1) (w with the offset o = (dy, dx) at index (R+dy,
// R+dx)), meta (uint8 JSON: the spec, the seed, the random streams and
// the hierlearn version). concept.LoadExamples reads x and y back. The
// values are rounded to float32 when generated, so the file and the
// in-memory dataset are the same numbers.
//
// Random streams: the inputs come from rand.NewPCG(seed, 0x6c61676669656c64)
// ("lagfield"), in time order, channel, row, column; the target noise
// from rand.NewPCG(seed, 0x6e6f697365000000) ("noise"), in example, row,
// column order.
package lagfield
