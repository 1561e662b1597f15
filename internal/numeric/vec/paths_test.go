package vec

import (
	"testing"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// onEachPath runs f as a subtest on every kernel path, forced with
// cpupath.Set; paths this build lacks are skipped, and so are paths this
// CPU lacks outside CI (under CI=true they fail unless forced off with a
// reason: testutil.KernelPath).
func onEachPath(t *testing.T, f func(t *testing.T)) {
	prev := cpupath.Active()
	defer cpupath.Set(prev)
	for _, p := range []cpupath.Path{cpupath.AVX512, cpupath.AVX2, cpupath.NEON, cpupath.Generic} {
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
	for _, p := range []cpupath.Path{cpupath.AVX2, cpupath.Generic} {
		b.Run(p.String(), func(b *testing.B) {
			if err := cpupath.Set(p); err != nil {
				b.Skip(err)
			}
			f(b)
		})
	}
}
