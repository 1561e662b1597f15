package testutil

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update is the -update flag of every test binary that imports testutil:
// golden files are rewritten instead of compared.
var update = flag.Bool("update", false, "rewrite the golden files under testdata instead of comparing with them")

// Update reports whether the tests run with -update.
func Update() bool { return *update }

// Golden compares got with the golden file at path, or rewrites that file
// (creating its directory) when the tests run with -update. A difference
// fails t with the new content, for review.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (rerun the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; review the change and rerun with -update.\n--- got ---\n%s", path, got)
	}
}
