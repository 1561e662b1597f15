// Package testutil holds helpers shared by the tests: finding reference
// tools with the CI policy applied. Under CI=true a missing tool fails the
// test; elsewhere the test is skipped with a message naming the install
// command.
//
//	py := testutil.Python(t, "torch")     // skips (fails under CI) when missing
//	node, dir := testutil.Node(t)         // onnxruntime-node
//	f := testutil.File(t, "../shared/x", "the shared fixtures")
package testutil

import (
	"os"
	"testing"

	"github.com/hierlearn/hierlearn/internal/reftools"
)

// CI reports whether the tests run under CI (CI=true).
func CI() bool { return os.Getenv("CI") == "true" }

// Missing skips or fails t because a reference tool is missing.
func Missing(t testing.TB, err error) {
	t.Helper()
	if CI() {
		t.Fatalf("CI=true and a reference tool is missing: %v", err)
	}
	t.Skipf("skipping: %v", err)
}

// Python returns an interpreter that imports every module named, or
// skips/fails t.
func Python(t testing.TB, modules ...string) string {
	t.Helper()
	p, err := reftools.Python(modules...)
	if err != nil {
		Missing(t, err)
	}
	return p
}

// Tool returns the path of a script under tools/, failing t if absent.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := reftools.Tool(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Node returns node and the tools/node directory with onnxruntime-node, or
// skips/fails t.
func Node(t testing.TB) (node, dir string) {
	t.Helper()
	node, dir, err := reftools.Node()
	if err != nil {
		Missing(t, err)
	}
	return node, dir
}

// File returns path if it exists, or skips/fails t naming what installs it.
func File(t testing.TB, path, what string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if CI() {
			t.Fatalf("CI=true and %s is missing (%s): %v", what, path, err)
		}
		t.Skipf("skipping: %s missing (%s); %s", what, path, reftools.InstallHint)
	}
	return path
}
