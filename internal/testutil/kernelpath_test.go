package testutil

import (
	"errors"
	"testing"

	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
)

func TestPathOff(t *testing.T) {
	for _, c := range []struct {
		v      string
		p      cpupath.Path
		reason string
		ok     bool
	}{
		{"", cpupath.AVX512, "", false},
		{"avx512: runners are Zen 2", cpupath.AVX512, "runners are Zen 2", true},
		{"avx2: old CPU; avx512: none here", cpupath.AVX512, "none here", true},
		{"avx512", cpupath.AVX512, "", false},    // no reason
		{"avx512:  ", cpupath.AVX512, "", false}, // empty reason
		{"avx2: old CPU", cpupath.AVX512, "", false},
	} {
		reason, ok := pathOff(c.v, c.p)
		if reason != c.reason || ok != c.ok {
			t.Errorf("pathOff(%q, %v) = %q, %v; want %q, %v", c.v, c.p, reason, ok, c.reason, c.ok)
		}
	}
}

// TestPathVerdict: under CI=true a path the CPU lacks fails the test unless
// forced off with a reason; a path the build leaves out, or any path outside
// CI, is skipped.
func TestPathVerdict(t *testing.T) {
	lack := errors.New("cpupath: cannot run the avx512 kernels here")
	for _, c := range []struct {
		name  string
		built bool
		off   string
		ci    bool
		fail  bool
	}{
		{"CI, CPU lacks it", true, "", true, true},
		{"CI, forced off without a reason", true, "avx512", true, true},
		{"CI, forced off with a reason", true, "avx512: runners are Zen 2", true, false},
		{"CI, purego build", false, "", true, false},
		{"outside CI", true, "", false, false},
	} {
		msg, fail := pathVerdict(cpupath.AVX512, lack, c.built, c.off, c.ci)
		if fail != c.fail || msg == "" {
			t.Errorf("%s: fail %v (%q), want %v", c.name, fail, msg, c.fail)
		}
	}
}
