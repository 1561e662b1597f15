// Package vmax computes element-wise maxima of float32 slices with AVX2
// on amd64 (8 lanes, plain Go elsewhere or with the purego tag): the
// inner loop of max pooling, which Go compiles to a dozen scalar
// instructions per element (its max builtin must propagate NaN and order
// -0 below +0).
//
// Max propagates NaN like Go's max builtin: if either operand is NaN the
// result is NaN. It differs from the builtin only on zeros of opposite
// sign, where the vector path may return either zero (they compare
// equal).
package vmax
