package cpupath

import (
	"os"
	"strings"
	"testing"
)

func TestFromEnv(t *testing.T) {
	for _, tc := range []struct {
		v       string
		want    Path
		errPart string
	}{
		{"", Best(), ""},
		{"generic", Generic, ""},
		{"avx2", AVX2, ""},
		{"avx512", AVX512, ""},
		{"neon", NEON, ""},
		{"AVX2", Best(), "unknown kernel path"},
		{"sse", Best(), "unknown kernel path"},
	} {
		got, err := fromEnv(tc.v)
		if tc.errPart == "" && !Supports(tc.want) {
			// The CPU lacks the path: the best one runs, with an error.
			if err == nil || got != Best() {
				t.Errorf("%q: got %v, %v; want %v and an error", tc.v, got, err, Best())
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%q: path %v, want %v", tc.v, got, tc.want)
		}
		if (err == nil) != (tc.errPart == "") || err != nil && !strings.Contains(err.Error(), tc.errPart) {
			t.Errorf("%q: error %v, want one containing %q", tc.v, err, tc.errPart)
		}
	}
}

// TestSet: every supported path can be set and is then active; an
// unsupported one is refused and leaves the active path alone.
func TestSet(t *testing.T) {
	prev := Active()
	defer Set(prev)
	for _, p := range []Path{Generic, AVX2, AVX512, NEON} {
		before := Active()
		err := Set(p)
		switch {
		case Supports(p) && (err != nil || Active() != p):
			t.Errorf("Set(%v): %v, active %v", p, err, Active())
		case !Supports(p) && (err == nil || Active() != before):
			t.Errorf("Set(%v) on a CPU without it: %v, active %v", p, err, Active())
		}
	}
	if err := Set(Path(7)); err == nil {
		t.Error("Set(Path(7)): no error")
	}
}

func TestParseString(t *testing.T) {
	for _, p := range []Path{Generic, AVX2, AVX512, NEON} {
		if q, err := Parse(p.String()); err != nil || q != p {
			t.Errorf("Parse(%q) = %v, %v", p, q, err)
		}
	}
	if Supported()[len(Supported())-1] != Generic {
		t.Error("generic is not supported")
	}
}

// TestEnvHonoured: a HIERLEARN_KERNEL set for the test run (make test
// forces avx2 for the importer's tests) must be the active path, or the
// run would silently test another one. On a CPU without that path it
// fails under CI=true and skips elsewhere.
func TestEnvHonoured(t *testing.T) {
	v := os.Getenv(EnvVar)
	if v == "" {
		t.Skip(EnvVar + " not set")
	}
	if err := EnvErr(); err != nil {
		if p, perr := Parse(v); perr == nil && !Supports(p) && os.Getenv("CI") != "true" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	if Active().String() != v {
		t.Fatalf("%s=%s, but the active path is %v", EnvVar, v, Active())
	}
}
