//go:build amd64 && !purego

package cpupath

import "golang.org/x/sys/cpu"

// built: this build has the assembly of every path.
const built = true

var (
	hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512  = hasAVX2FMA && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ
)

// lacks names what the CPU misses for path p.
func lacks(p Path) string {
	switch {
	case p >= AVX2 && !hasAVX2FMA:
		return "this CPU has no AVX2+FMA"
	case p == AVX512 && !hasAVX512:
		return "this CPU has no AVX-512F/DQ"
	}
	return "unknown path"
}
