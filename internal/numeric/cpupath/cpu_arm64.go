//go:build arm64 && !purego

package cpupath

const (
	hasAVX2FMA = false
	hasAVX512  = false
	// hasNEON: Advanced SIMD (NEON), with the vector and by-element FMLA
	// the kernels use, is part of ARMv8-A, the least that Go's arm64 port
	// runs on (its runtime uses it too), so every arm64 CPU has it.
	hasNEON = true
)

// built reports whether this build has path p's assembly: neon.
func built(p Path) bool { return p == NEON }

// lacks names what the build misses for path p.
func lacks(p Path) string {
	if p == AVX2 || p == AVX512 {
		return "the " + p.String() + " kernels are amd64 assembly"
	}
	return "unknown path"
}
