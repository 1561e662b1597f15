package concept

import "math/rand/v2"

// Random streams. Every random number of the package comes from a PCG
// generator rand.NewPCG(seed, stream) with one of these stream words, so
// that weights, normalisation samples, dataset inputs and label noise are
// independent of each other and reproducible bit for bit. Normal variates
// are rand.(*Rand).NormFloat64 on that source, which is pure Go and gives
// the same numbers on every machine.
//
// The seed is Spec.Seed for the concept's own streams (weights and
// normalisation samples) and the seed passed to Sample for the dataset
// streams (inputs and label noise). The stream words are the ASCII bytes
// of the names, big-endian.
const (
	streamWeights = 0x7765696768747300 // "weights\0": concept weights
	streamNorm    = 0x6e6f726d616c6973 // "normalis": the 100,000 normalisation inputs
	streamSample  = 0x73616d706c657300 // "samples\0": dataset inputs x
	streamNoise   = 0x6e6f697365000000 // "noise\0\0\0": label-noise flips
)

// newRand returns the generator of the given stream for seed.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// fillNormal fills x with standard normal variates from r, in order.
func fillNormal(r *rand.Rand, x []float64) {
	for i := range x {
		x[i] = r.NormFloat64()
	}
}
