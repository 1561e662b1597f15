//go:build amd64 && !purego

package cpupath

import "golang.org/x/sys/cpu"

var (
	hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512  = hasAVX2FMA && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ
)

// hasNEON is false: arm64 only.
const hasNEON = false

// built reports whether this build has path p's assembly: amd64's paths.
func built(p Path) bool { return p == AVX2 || p == AVX512 }

// lacks names what the CPU or build misses for path p.
func lacks(p Path) string {
	switch {
	case p == NEON:
		return "the neon kernels are arm64 assembly"
	case p >= AVX2 && !hasAVX2FMA:
		return "this CPU has no AVX2+FMA"
	case p == AVX512 && !hasAVX512:
		return "this CPU has no AVX-512F/DQ"
	}
	return "unknown path"
}
