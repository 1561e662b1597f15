// Package npy reads and writes NumPy .npy arrays and .npz archives, the
// data format of every dataset, prediction and gradient that hierlearn
// writes, so that numpy and PyTorch users load them with np.load.
//
//	z, err := npy.ReadNPZ("train.npz")
//	x, err := z.Get("x")                  // an *Array: DType, Shape, values
//	err = npy.WriteFile("x.npy", npy.NewFloat64(x.Float64s(), x.Shape...))
//
// Supported: format versions 1.0, 2.0 and 3.0; little-endian float32
// ("<f4"), float64 ("<f8"), int64 ("<i8"), and on reading also int32,
// uint8 and bool, converted to the closest of the three; C order only.
// An .npz is a zip of .npy members; Write stores members uncompressed with
// a fixed timestamp so that equal arrays give equal bytes, and Read also
// accepts deflate-compressed archives (np.savez_compressed).
//
// The decoders treat their input as hostile: header sizes, shapes and
// element counts are checked against the data actually present before
// anything is allocated, so a corrupt or truncated file is an error, never
// a panic or a huge allocation.
package npy
