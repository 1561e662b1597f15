package export

import (
	"encoding/binary"
	"math"
)

// The raw_data of a TensorProto is little-endian, whatever the host.

func rawFloat32(d []float32) []byte {
	b := make([]byte, 4*len(d))
	for i, v := range d {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func rawFloat64(d []float64) []byte {
	b := make([]byte, 8*len(d))
	for i, v := range d {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return b
}

func rawInt64(d []int64) []byte {
	b := make([]byte, 8*len(d))
	for i, v := range d {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return b
}
