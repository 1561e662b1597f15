package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"testing"
)

// runMainEnv, when set, makes the test binary run main() with the
// arguments after "--" instead of the tests: runMain uses it to see the
// command's real exit status.
const runMainEnv = "HIERLEARN_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		for i, a := range os.Args {
			if a == "--" {
				os.Args = append([]string{"hierlearn"}, os.Args[i+1:]...)
				break
			}
		}
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runMain runs hierlearn with args in a child process and returns its
// stdout, stderr and exit status.
func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("running %v: %v", args, err)
	}
	return o.String(), e.String(), code
}

func TestExitStatus(t *testing.T) {
	if _, _, code := runMain(t, "version"); code != 0 {
		t.Errorf("version exits %d", code)
	}
	if _, stderr, code := runMain(t, "version", "--log-level", "loud"); code == 0 {
		t.Errorf("a bad flag exits 0 (stderr %q)", stderr)
	}
}
