package export

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/version"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/export")

// goldenDir holds the golden dumps shared with cmd/hierlearn's tests.
const goldenDir = "../testdata/export"

// stable replaces what changes from build to build (the version, and the
// concept checksum, which covers the generator version) by placeholders.
func stable(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte(version.Full()), []byte("VERSION"))
	return regexp.MustCompile(`(?m)^(metadata concept_checksum = ).*$`).ReplaceAll(b, []byte("${1}CHECKSUM"))
}

// golden compares got with testdata/export/name, or rewrites it under
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./export -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; review the change and rerun with -update.\n--- got ---\n%s", path, got)
	}
}

// TestGoldenConceptDumps pins the graphs of two tiny concepts.
func TestGoldenConceptDumps(t *testing.T) {
	cases := []struct {
		file  string
		spec  concept.Spec
		opset int
	}{
		{"concept_hq_opset17.txt", concept.Spec{D: 3, Layers: 3, Widths: []int{2}, Seed: 7}, 17},
		{"concept_hq_chain_opset13.txt", concept.Spec{D: 3, Layers: 3, Widths: []int{2}, Skip: concept.SkipChain, Task: concept.TaskClassification, Seed: 7}, 13},
		{"concept_relu_opset17.txt", concept.Spec{Family: concept.FamilyReLU, D: 3, Layers: 2, Widths: []int{2}, Seed: 7}, 17},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			con, err := concept.New(c.spec)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Concept(con, c.opset)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Dump(&b, m); err != nil {
				t.Fatal(err)
			}
			golden(t, c.file, stable(b.Bytes()))
		})
	}
}
