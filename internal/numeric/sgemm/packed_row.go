package sgemm

import (
	"unsafe"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
)

// PackedRow computes columns [n0, n1) of the row out = x·B, where b is
// PackBRows' form of the K×N matrix B and x has length K: the
// matrix-vector product of an LSTM step at batch 1, where Packed would
// multiply seven rows of padding. n0 and n1 must be multiples of PanelN
// (n1 may also be N); out has length at least n1. Each panel of B is
// read once, in order. It panics if Available is false.
func PackedRow(K, N int, x, b, out []float32, n0, n1 int) {
	if n0%PanelN != 0 || (n1%PanelN != 0 && n1 != N) {
		panic("sgemm: PackedRow: column range not in whole panels")
	}
	if n0 >= n1 {
		return
	}
	if len(x) < K || len(b) < PackedBSize(K, N) || len(out) < n1 || n1 > N {
		panic("sgemm: PackedRow: operand too short")
	}
	if kernels() == nil {
		panic("sgemm: PackedRow: no micro-kernel on the generic kernel path")
	}
	kern := rowKernelFor(cpupath.Active())
	if kern == nil {
		kern = packedRowGo
	}
	p0, p1 := n0/PanelN, n1/PanelN
	if p1 > p0 && K > 0 {
		kern(p1-p0, K, &x[0], &b[p0*K*PanelN], &out[n0])
	} else {
		clear(out[n0 : p1*PanelN])
	}
	if n1%PanelN != 0 { // the last, partial panel: through a full one
		var tile [PanelN]float32
		if K > 0 {
			kern(1, K, &x[0], &b[p1*K*PanelN], &tile[0])
		}
		copy(out[p1*PanelN:n1], tile[:])
	}
}

// rowKernel computes panels whole 32-column panels of x·B: out[0:32·panels]
// from the packed panels at b (each k×32).
type rowKernel func(panels, k int, x, b, out *float32)

// packedRowGo is rowKernel in Go, for a platform with micro-kernels
// but no assembly row kernel.
func packedRowGo(panels, k int, x, b, out *float32) {
	xs := unsafe.Slice(x, k)
	bs := unsafe.Slice(b, panels*k*PanelN)
	os := unsafe.Slice(out, panels*PanelN)
	for p := 0; p < panels; p++ {
		var acc [PanelN]float32
		for i, v := range xs {
			for j, bv := range bs[(p*k+i)*PanelN : (p*k+i+1)*PanelN] {
				acc[j] += v * bv
			}
		}
		copy(os[p*PanelN:], acc[:])
	}
}
