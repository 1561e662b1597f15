package testutil

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
)

// PathsOffEnv names the kernel paths a test machine is known to lack, each
// with its reason, separated by semicolons:
// HIERLEARN_KERNEL_PATHS_OFF="avx512: the CI runners are AMD Zen 2".
const PathsOffEnv = "HIERLEARN_KERNEL_PATHS_OFF"

// KernelPath makes the kernels run on path p (cpupath.Set) for the rest of
// the test, or skips or fails t when they cannot: a path this build leaves
// out (purego, other architectures) is skipped; a path the CPU lacks is
// skipped outside CI and fails under CI=true, unless PathsOffEnv names it
// with a reason, which is logged. The caller restores the previous path.
func KernelPath(t testing.TB, p cpupath.Path) {
	t.Helper()
	err := cpupath.Set(p)
	if err == nil {
		return
	}
	msg, fail := pathVerdict(p, err, cpupath.Built(p), os.Getenv(PathsOffEnv), CI())
	if fail {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// pathVerdict says why path p cannot be tested (err from cpupath.Set) and
// whether that fails the test.
func pathVerdict(p cpupath.Path, err error, built bool, off string, ci bool) (msg string, fail bool) {
	if !built {
		return fmt.Sprintf("kernel path %s not in this build: %v", p, err), false
	}
	if reason, ok := pathOff(off, p); ok {
		return fmt.Sprintf("kernel path %s forced off by %s: %s", p, PathsOffEnv, reason), false
	}
	if ci {
		return fmt.Sprintf("CI=true and this machine cannot test the %s kernels: %v (if it never can, say why in %s=\"%s: REASON\")", p, err, PathsOffEnv, p), true
	}
	return fmt.Sprintf("skipping: %v", err), false
}

// pathOff returns the reason that the PathsOffEnv value v gives for path
// p; an entry without a reason does not count.
func pathOff(v string, p cpupath.Path) (string, bool) {
	for _, e := range strings.Split(v, ";") {
		name, reason, _ := strings.Cut(e, ":")
		if strings.TrimSpace(name) == p.String() && strings.TrimSpace(reason) != "" {
			return strings.TrimSpace(reason), true
		}
	}
	return "", false
}
