package deps

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/hierlearn/hierlearn/"

// library are the packages that must stay light.
var library = []string{"concept", "concept/lagfield", "dtype", "train", "train/deepnet", "train/kernel", "train/robust", "export", "importer", "importer/analysis"}

// forbidden reports whether a dependency may not appear in a library
// package's import graph.
func forbidden(dep string) bool {
	return dep == "os/exec" || dep == "github.com/owulveryck/onnx-go" ||
		strings.HasPrefix(dep, "github.com/owulveryck/onnx-go/") || strings.HasPrefix(dep, "gorgonia.org/")
}

// deps is `go list -deps` of pkg (module-relative) under the build tags.
func deps(t *testing.T, tags, pkg string) []string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is not on PATH: %v", err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(goTool, "list", "-deps", "-tags", tags, module+pkg)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr.String())
	}
	return strings.Fields(string(out))
}

func TestLibraryLinksNoToolsOrGraphEngines(t *testing.T) {
	for _, tags := range []string{"", "openblas"} {
		for _, pkg := range library {
			t.Run(pkg+"/tags="+tags, func(t *testing.T) {
				for _, d := range deps(t, tags, pkg) {
					if forbidden(d) {
						t.Errorf("%s imports %s (tags %q)", pkg, d, tags)
					}
				}
			})
		}
	}
}

// TestForbiddenIsSeen checks the check: the packages that are meant to
// link the tools and engines do show them.
func TestForbiddenIsSeen(t *testing.T) {
	for _, pkg := range []string{"internal/crosscheck", "train/gorgoniaengine", "internal/bench"} {
		found := false
		for _, d := range deps(t, "", pkg) {
			found = found || forbidden(d)
		}
		if !found {
			t.Errorf("%s: no forbidden dependency seen; is the check blind?", pkg)
		}
	}
}

// TestExamplesUsePublicPackages: the example programs show what a user
// outside the module can write, so they import no internal package.
func TestExamplesUsePublicPackages(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is not on PATH: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"examples/...").Output()
	if err != nil {
		t.Fatalf("go list examples: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, module) && strings.Contains(imp, "/internal") {
				t.Errorf("%s imports %s", f[0], imp)
			}
		}
	}
}

// TestLayering checks the import flow of the project's style notes: the
// importer never imports train or export, the kernel machines are a peer
// of train's network learners (no import of train), and concept imports
// nothing of ours but internal helpers.
func TestLayering(t *testing.T) {
	for _, tc := range []struct {
		pkg       string
		forbidden []string
	}{
		{"importer", []string{"train", "train/kernel", "export", "concept", "compare"}},
		{"importer/analysis", []string{"train", "export", "compare"}},
		{"train/kernel", []string{"train", "export", "importer", "compare"}},
		{"train", []string{"export", "importer", "compare"}},
		{"concept", []string{"train", "train/kernel", "export", "importer", "compare", "dtype"}},
		{"dtype", []string{"concept", "train", "export", "importer", "internal/onnxpb"}},
		{"export", []string{"importer", "compare"}},
	} {
		for _, d := range deps(t, "", tc.pkg) {
			for _, f := range tc.forbidden {
				if d == module+f {
					t.Errorf("%s imports %s", tc.pkg, f)
				}
			}
		}
	}
}

// TestPublicAPIsUsePublicTypes reads `go doc -all` of every library
// package: no exported declaration may name a type of an internal
// package, which callers outside the module could not name.
func TestPublicAPIsUsePublicTypes(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is not on PATH: %v", err)
	}
	out, err := exec.Command(goTool, "list", module+"internal/...").Output()
	if err != nil {
		t.Fatalf("go list internal/...: %v", err)
	}
	var names []string
	for _, p := range strings.Fields(string(out)) {
		names = append(names, p[strings.LastIndex(p, "/")+1:])
	}
	internalType := regexp.MustCompile(`\b(` + strings.Join(names, "|") + `)\.[A-Z]`)
	pending := map[string]bool{} // declarations allowed to name an internal type (none left)
	for _, pkg := range append(library, "train/gorgoniaengine", "compare", "dtype") {
		doc, err := exec.Command(goTool, "doc", "-all", module+pkg).Output()
		if err != nil {
			t.Fatalf("go doc %s: %v", pkg, err)
		}
		decls := false // past the package comment
		for _, line := range strings.Split(string(doc), "\n") {
			switch {
			case line == "CONSTANTS" || line == "VARIABLES" || line == "FUNCTIONS" || line == "TYPES":
				decls = true
			case decls && !strings.HasPrefix(line, "    ") && internalType.MatchString(line) && !pending[pkg+": "+line]:
				t.Errorf("%s: %s", pkg, line)
			}
		}
	}
}
