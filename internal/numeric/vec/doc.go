// Package vec holds the element-wise float32 loops of the importer's
// kernels that Go compiles poorly, written with AVX2 on amd64 (8 lanes),
// used on the avx2 and avx512 kernel paths (internal/numeric/cpupath),
// and for Axpy and Taps with NEON on arm64 (4 lanes, the neon path);
// plain Go on the generic path, for the other loops on neon, and with
// the purego tag:
//
//   - Max, Max3 and MaxWindow3Stride2: the inner loops of max pooling,
//     which Go compiles to a dozen scalar instructions per element (its
//     max builtin must propagate NaN and order -0 below +0): the maximum
//     over a window's rows, and over the 3-wide, stride-2 windows of a
//     row (ResNet's max pooling). They propagate NaN like the builtin: if
//     any operand is NaN the result is NaN. They differ from the builtin
//     only on zeros of opposite sign, where the vector path may return
//     either zero (they compare equal).
//   - Add and AddReLU: the store of a convolution fused with a residual
//     connection. The ReLU clears every value whose sign bit is set (as
//     the importer's scalar ReLU does: -0 and negative NaNs become +0).
//   - Taps (AVX-512 with masked tails on the avx512 path, AVX2 on the
//     avx2 path, NEON on neon): every tap of a depthwise convolution over a plane, the
//     sums kept in registers. Axpy (fused multiply-add on the vector
//     paths): one tap over a row. Mul: same-shape products. Scale: a
//     plane times a scalar (squeeze-and-excitation). Sum: global average
//     pooling's plane sums.
//   - Taps16 (AVX-512, AVX2): every tap of a depthwise convolution over
//     an output row of 16 interleaved channels, a vector of 16 weights a
//     tap; Transpose16 (AVX-512 register shuffles, a loop elsewhere):
//     a tile of up to 16x16, between planes and interleaved channels.
//   - SumSquaredDeviation, SumAndDotDeviation, Affine and
//     AddAffineDeviation: training-mode BatchNormalization's statistics,
//     normalisation and backward over each plane; AddWherePositive:
//     ReLU's backward (a NaN input passes no gradient).
//   - ExpNegAbs (e^-|x|, Sigmoid's loop): a softmax's exponentials.
//   - Sigmoid, SiLU (x·Sigmoid(x)), GeluErf, HardSigmoid (HardSwish with
//     swish) and ReLU: MobileNetV3 and EfficientNet activations, applied
//     by the convolutions they are fused into; NaN stays NaN (ReLU clears
//     negative NaNs, as AddReLU).
package vec
