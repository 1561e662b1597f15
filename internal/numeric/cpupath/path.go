package cpupath

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
)

// Path is an instruction set the kernels can run on.
type Path int32

// The kernel paths: generic (plain Go, every platform), amd64's slowest
// first, then arm64's. At most one architecture's paths run on a CPU.
const (
	Generic Path = iota
	AVX2
	AVX512
	NEON
)

// EnvVar is the environment variable that forces a path.
const EnvVar = "HIERLEARN_KERNEL"

var names = [...]string{Generic: "generic", AVX2: "avx2", AVX512: "avx512", NEON: "neon"}

// bestFirst orders all paths from the fastest to generic.
var bestFirst = [...]Path{AVX512, AVX2, NEON, Generic}

// String returns the path's name as HIERLEARN_KERNEL spells it.
func (p Path) String() string {
	if p < 0 || int(p) >= len(names) {
		return fmt.Sprintf("Path(%d)", int32(p))
	}
	return names[p]
}

// Parse returns the path named s (avx512, avx2, neon or generic).
func Parse(s string) (Path, error) {
	for p, n := range names {
		if s == n {
			return Path(p), nil
		}
	}
	return 0, fmt.Errorf("cpupath: unknown kernel path %q (want %s)", s, strings.Join(names[:], ", "))
}

// Supported lists the paths this CPU and build can run, best first.
func Supported() []Path {
	var ps []Path
	for _, p := range bestFirst {
		if Supports(p) {
			ps = append(ps, p)
		}
	}
	return ps
}

// Supports reports whether this CPU and build can run path p.
func Supports(p Path) bool {
	switch p {
	case Generic:
		return true
	case AVX2:
		return hasAVX2FMA
	case AVX512:
		return hasAVX512
	case NEON:
		return hasNEON
	}
	return false
}

// Built reports whether this build has path p's kernels at all (amd64's
// paths on amd64, neon on arm64, only generic on other architectures or
// with the purego tag), whatever the CPU.
func Built(p Path) bool { return p == Generic || built(p) }

// Best is the fastest path this CPU and build support.
func Best() Path { return Supported()[0] }

var (
	active atomic.Int32
	envErr error
)

func init() {
	p, err := fromEnv(os.Getenv(EnvVar))
	active.Store(int32(p))
	envErr = err
}

// fromEnv returns the path HIERLEARN_KERNEL=v asks for, or the best one
// with an error saying why v cannot be used.
func fromEnv(v string) (Path, error) {
	if v == "" {
		return Best(), nil
	}
	p, err := Parse(v)
	if err != nil {
		return Best(), fmt.Errorf("%s=%s: %w", EnvVar, v, err)
	}
	if err := check(p); err != nil {
		return Best(), fmt.Errorf("%s=%s: %w", EnvVar, v, err)
	}
	return p, nil
}

// check returns an error if p cannot run here.
func check(p Path) error {
	if Supports(p) {
		return nil
	}
	var ok []string
	for _, s := range Supported() {
		ok = append(ok, s.String())
	}
	return fmt.Errorf("cpupath: cannot run the %s kernels here: %s; supported: %s", p, lacks(p), strings.Join(ok, ", "))
}

// EnvErr reports why HIERLEARN_KERNEL could not be honoured (an unknown
// name, or a path the CPU lacks), or nil.
func EnvErr() error { return envErr }

// Active is the path the kernels run on.
func Active() Path { return Path(active.Load()) }

// Set makes the kernels run on path p from now on, or returns an error
// (and changes nothing) if this CPU or build cannot run it. It is meant
// for tests and benchmarks: kernels already running finish on the old
// path, and callers that chose an algorithm by sgemm.Available (the
// importer, when it loads a model) keep that choice.
func Set(p Path) error {
	if err := check(p); err != nil {
		return err
	}
	active.Store(int32(p))
	return nil
}
