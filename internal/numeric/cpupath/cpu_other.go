//go:build !amd64 || purego

package cpupath

const (
	built      = false // no assembly: only the generic path
	hasAVX2FMA = false
	hasAVX512  = false
)

// lacks names what the build misses for path p.
func lacks(p Path) string {
	if p == AVX2 || p == AVX512 {
		return "this build has no amd64 assembly (other architecture, or the purego tag)"
	}
	return "unknown path"
}
