package importer

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// TestREADMEOperatorCount: the README's operator count is the registry's.
// Adding an operator means updating the README's "each of its N operators".
func TestREADMEOperatorCount(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`each of its (\d+) operators`).FindSubmatch(b)
	if m == nil {
		t.Fatal(`README.md no longer says "each of its N operators": update this test with the README`)
	}
	n, _ := strconv.Atoi(string(m[1]))
	if got := len(SupportedOps()); n != got {
		t.Errorf("README.md says the importer has %d operators; SupportedOps has %d: update README.md", n, got)
	}
}
