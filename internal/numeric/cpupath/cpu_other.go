//go:build !(amd64 || arm64) || purego

package cpupath

const (
	hasAVX2FMA = false
	hasAVX512  = false
	hasNEON    = false
)

// built is false: no assembly (other architecture, or the purego tag),
// only the generic path.
func built(p Path) bool { return false }

// lacks names what the build misses for path p.
func lacks(p Path) string {
	if p == AVX2 || p == AVX512 || p == NEON {
		return "this build has no " + p.String() + " assembly (other architecture, or the purego tag)"
	}
	return "unknown path"
}
