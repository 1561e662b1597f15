package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of stopping.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Fatal(...any)          { r.failed = true }

func TestGolden(t *testing.T) {
	if Update() {
		t.Skip("-update rewrites instead of comparing")
	}
	path := filepath.Join(t.TempDir(), "g.txt")
	if err := os.WriteFile(path, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path     string
		got      string
		wantFail bool
	}{
		{path, "same\n", false},
		{path, "other\n", true},
		{path + ".missing", "same\n", true},
	} {
		r := &recorder{TB: t}
		Golden(r, c.path, []byte(c.got))
		if r.failed != c.wantFail {
			t.Errorf("Golden(%s, %q) failed=%v, want %v", filepath.Base(c.path), c.got, r.failed, c.wantFail)
		}
	}
}
