package importer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/internal/testutil"
)

// backendRoot is the ONNX 1.22 backend test data, ../shared from the
// repository's root (see its README).
var backendRoot = filepath.Join("..", "..", "shared", "onnx-backend-tests")

// backendSuites are the folders of backendRoot that TestONNXBackendTests
// runs, each holding one folder per test.
var backendSuites = []string{"node", "simple", "pytorch-converted", "pytorch-operator"}

// minBackendPass is the number of backend tests that pass today (all
// suites together): raise it as operators land, never lower it.
const minBackendPass = 1420

// backendSkips lists the tests we claim every operator of but do not run,
// by a pattern over the suite/test name, with the reason. Tests refused at
// load with ErrUnsupported (an operator, operator version, attribute
// value or element type we do not implement) are skipped with the
// importer's own reason and need no entry.
var backendSkips = []struct {
	pattern *regexp.Regexp
	reason  string
}{
	{regexp.MustCompile(`^node/test_castlike_FLOAT_to_(BFLOAT16|FLOAT16)$`), "16-bit floats are computed as float32: CastLike to one does not round (Cast does)"},
}

// TestONNXBackendTests runs every test of the ONNX 1.22 backend test data
// at the suite's tolerance (rtol 1e-3, atol 1e-7): each passes, is refused
// at load with ErrUnsupported, or is listed in backendSkips; none fails.
func TestONNXBackendTests(t *testing.T) {
	root := testutil.File(t, backendRoot, "the ONNX 1.22 backend test data (../shared/onnx-backend-tests)")
	pass, skips := map[string]int{}, map[string][]string{}
	for _, suite := range backendSuites {
		dirs, err := os.ReadDir(filepath.Join(root, suite))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			name := suite + "/" + d.Name()
			dir := filepath.Join(root, suite, d.Name())
			if _, err := os.Stat(filepath.Join(dir, "model.onnx")); err != nil {
				continue
			}
			if reason := backendSkip(name); reason != "" {
				skips[reason] = append(skips[reason], name)
				continue
			}
			err := runNodeTest(dir)
			var ue *UnsupportedError
			switch {
			case err == nil:
				pass[suite]++
			case errors.As(err, &ue):
				skips[unsupportedGroup(ue)] = append(skips[unsupportedGroup(ue)], name)
			case errors.Is(err, ErrUnsupported):
				// Found while planning (an input's type, an attribute
				// value a build refuses): grouped by the reason.
				msg := err.Error()
				reason := quoted.ReplaceAllString(msg[strings.LastIndex(msg, "unsupported"):], "…")
				skips[reason] = append(skips[reason], name)
			default:
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	reasons := make([]string, 0, len(skips))
	nskip := 0
	for r, names := range skips {
		reasons = append(reasons, r)
		nskip += len(names)
	}
	sort.Slice(reasons, func(i, j int) bool { return len(skips[reasons[i]]) > len(skips[reasons[j]]) })
	for _, r := range reasons {
		t.Logf("skip %4d  %s", len(skips[r]), r)
	}
	total := 0
	for _, suite := range backendSuites {
		total += pass[suite]
		t.Logf("%s: %d pass", suite, pass[suite])
	}
	t.Logf("ONNX backend tests: %d pass, %d skipped (reasons above)", total, nskip)
	if total < minBackendPass {
		t.Errorf("%d backend tests pass, fewer than the %d recorded", total, minBackendPass)
	}
}

// quoted matches a quoted name in an error message.
var quoted = regexp.MustCompile(`"[^"]*"`)

// backendSkip returns the reason a test is listed in backendSkips, or "".
func backendSkip(name string) string {
	for _, s := range backendSkips {
		if s.pattern.MatchString(name) {
			return s.reason
		}
	}
	return ""
}

// unsupportedGroup is the skip reason of a test refused at load: the
// operator and what of it is missing.
func unsupportedGroup(ue *UnsupportedError) string {
	switch {
	case ue.Op == "*":
		return "model: " + ue.Reason
	case ue.Supported != nil:
		return fmt.Sprintf("%s: version not implemented (we implement %s)", ue.Op, versionList(ue.Supported))
	case ue.Reason != "":
		return fmt.Sprintf("%s: %s", ue.Op, ue.Reason)
	}
	return ue.Op + ": operator not implemented"
}
