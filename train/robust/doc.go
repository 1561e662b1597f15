// Package robust studies feature purification (Allen-Zhu & Li, arXiv
// 2005.10190): a two-layer ReLU network trained on sparse-coding data
// (concept.SparseCoding) by clean and by adversarial training, attacked
// with l2 and l-infinity FGM and PGD on its own input gradient, next to
// the same network kept near initialisation (NTK regime), logistic
// regression and a polynomial kernel predictor, and the decomposition of
// the learned neurons in the dictionary's basis.
//
// (The package doc is completed in purify.go.)
package robust
