package sgemm

import (
	"testing"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// kernelPaths are the paths with micro-kernels.
var kernelPaths = []cpupath.Path{cpupath.AVX512, cpupath.AVX2, cpupath.NEON}

// onEachPath runs f as a subtest on every kernel path, forced with
// cpupath.Set; paths this build lacks are skipped, and so are paths this
// CPU lacks outside CI (under CI=true they fail unless forced off with a
// reason: testutil.KernelPath).
func onEachPath(t *testing.T, f func(t *testing.T)) {
	prev := cpupath.Active()
	defer cpupath.Set(prev)
	for _, p := range kernelPaths {
		t.Run(p.String(), func(t *testing.T) {
			testutil.KernelPath(t, p)
			f(t)
		})
	}
}

// benchEachPath is onEachPath for benchmarks.
func benchEachPath(b *testing.B, f func(b *testing.B)) {
	prev := cpupath.Active()
	defer cpupath.Set(prev)
	for _, p := range kernelPaths {
		b.Run(p.String(), func(b *testing.B) {
			if err := cpupath.Set(p); err != nil {
				b.Skip(err)
			}
			f(b)
		})
	}
}

// TestGenericPath: on the generic path the micro-kernels are off and the
// entry points refuse to run rather than reach for missing instructions.
func TestGenericPath(t *testing.T) {
	prev := cpupath.Active()
	defer cpupath.Set(prev)
	if err := cpupath.Set(cpupath.Generic); err != nil {
		t.Fatal(err)
	}
	if Available() {
		t.Fatal("Available on the generic path")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Packed ran on the generic path")
		}
	}()
	Packed(8, 32, 1, make([]float32, 8), make([]float32, 32), make([]float32, 256), 32, nil, false, false, 0, 32)
}
