package vec

import (
	"testing"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
)

// onEachPath runs f as a subtest on every kernel path, forced with
// cpupath.Set; paths this CPU or build lacks are skipped (Set refuses
// them rather than run their instructions).
func onEachPath(t *testing.T, f func(t *testing.T)) {
	prev := cpupath.Active()
	defer cpupath.Set(prev)
	for _, p := range []cpupath.Path{cpupath.AVX512, cpupath.AVX2, cpupath.Generic} {
		t.Run(p.String(), func(t *testing.T) {
			if err := cpupath.Set(p); err != nil {
				t.Skip(err)
			}
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
