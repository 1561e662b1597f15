package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// runCLI runs the CLI in-process with args and returns stdout and the error.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestVersion(t *testing.T) {
	out, err := runCLI(t, "version")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hierlearn ", "go ", "blas ", "kernels "} {
		if !strings.Contains(out, want) {
			t.Errorf("version output %q lacks %q", out, want)
		}
	}
}

func TestBadGlobalFlags(t *testing.T) {
	if _, err := runCLI(t, "version", "--log-level", "loud"); err == nil || !strings.Contains(err.Error(), "--log-level") {
		t.Fatalf("err = %v", err)
	}
}

// TestBadKernelPath: HIERLEARN_KERNEL is read when the process starts, so
// the test binary runs TestVersion again with an unknown path, which
// every command must refuse with an error naming the variable.
func TestBadKernelPath(t *testing.T) {
	if os.Getenv("HIERLEARN_KERNEL") != "" {
		t.Skip("HIERLEARN_KERNEL is set: this test sets it itself")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestVersion$", "-test.count=1")
	cmd.Env = append(os.Environ(), "HIERLEARN_KERNEL=sse9")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "HIERLEARN_KERNEL=sse9") {
		t.Fatalf("HIERLEARN_KERNEL=sse9: err %v, output:\n%s", err, out)
	}
}
