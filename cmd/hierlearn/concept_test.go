package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// golden compares got with the file under testdata/concept/ at the
// repository root (rewritten with -update, see internal/testutil).
func golden(t *testing.T, name, got string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("..", "..", "testdata", "concept", name), []byte(got))
}

func TestConceptNewInfoSample(t *testing.T) {
	dir := t.TempDir()
	cp := filepath.Join(dir, "concept.json")
	out, err := runCLI(t, "concept", "new", "--d", "20", "--layers", "3", "--width", "3", "--alpha", "1,0.3",
		"--skip", "default", "--seed", "1", "-o", cp)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "hq d=20 L=3 degree=8 widths=[3 3]") {
		t.Errorf("summary %q", out)
	}
	// The flags must give exactly the library's default concept.
	c, err := concept.Load(cp)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := concept.New(concept.DefaultSpec())
	a, _ := c.MarshalJSON()
	b, _ := want.MarshalJSON()
	if !bytes.Equal(a, b) {
		t.Error("concept new with the default flags differs from concept.DefaultSpec()")
	}

	info, err := runCLI(t, "concept", "info", cp)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "info-default.golden", info)

	dp := filepath.Join(dir, "train.npz")
	if _, err := runCLI(t, "concept", "sample", "--concept", cp, "--n", "500", "--seed", "2", "-o", dp); err != nil {
		t.Fatal(err)
	}
	ds, err := concept.LoadDataset(dp)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 500 || ds.D != 20 || len(ds.Hidden) != 2 || ds.Meta["concept_file"] != cp {
		t.Errorf("dataset n=%d d=%d hidden=%d meta=%v", ds.N, ds.D, len(ds.Hidden), ds.Meta)
	}
	// Same command, same bytes.
	dp2 := filepath.Join(dir, "train2.npz")
	if _, err := runCLI(t, "concept", "sample", "--concept", cp, "--n", "500", "--seed", "2", "-o", dp2); err != nil {
		t.Fatal(err)
	}
	b1, _ := os.ReadFile(dp)
	b2, _ := os.ReadFile(dp2)
	// meta names the output file's concept path only, so the bytes agree.
	if !bytes.Equal(b1, b2) {
		t.Error("two identical sample commands wrote different bytes")
	}
}

func TestConceptVariants(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string // in the info output
	}{
		{"relu", []string{"--family", "relu-teacher", "--layers", "2", "--width", "8,4", "--d", "5"}, "depth        2"},
		{"per-layer widths", []string{"--layers", "4", "--width", "3,4,2", "--skip", "dense", "--gain", "0.5"}, "4      [0 1 2 3]   2      0.09"},
		{"classification", []string{"--task", "classification", "--label-noise", "0.1", "--skip", "chain"}, "label noise  0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp := filepath.Join(dir, tt.name+".json")
			if _, err := runCLI(t, append([]string{"concept", "new", "-o", cp}, tt.args...)...); err != nil {
				t.Fatal(err)
			}
			info, err := runCLI(t, "concept", "info", cp)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(info, tt.want) {
				t.Errorf("info lacks %q:\n%s", tt.want, info)
			}
		})
	}
}

func TestConceptBadInput(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.json")
	os.WriteFile(corrupt, []byte(`{"format": "hierlearn-concept", "vers`), 0o644)
	out := filepath.Join(dir, "out.json")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no output", []string{"concept", "new"}, "-o CONCEPT.json is required"},
		{"d=0", []string{"concept", "new", "--d", "0", "-o", out}, "d = 0"},
		{"L=1", []string{"concept", "new", "--layers", "1", "-o", out}, "layers = 1"},
		{"negative width", []string{"concept", "new", "--width", "3,-2", "-o", out}, "width -2"},
		{"bad width syntax", []string{"concept", "new", "--width", "three", "-o", out}, "--width"},
		{"alpha length", []string{"concept", "new", "--alpha", "1,0.3,0.1", "-o", out}, "3 alpha values given, want 2"},
		{"unknown skip", []string{"concept", "new", "--skip", "sparse", "-o", out}, `unknown skip mode "sparse"`},
		{"unknown family", []string{"concept", "new", "--family", "cnn", "-o", out}, `unknown family "cnn"`},
		{"info missing", []string{"concept", "info", filepath.Join(dir, "nope.json")}, "nope.json"},
		{"info corrupt", []string{"concept", "info", corrupt}, "corrupt.json"},
		{"sample corrupt", []string{"concept", "sample", "--concept", corrupt, "-o", filepath.Join(dir, "d.npz")}, "corrupt.json"},
		{"sample no concept", []string{"concept", "sample", "-o", filepath.Join(dir, "d.npz")}, "--concept and -o are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runCLI(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// No failed command left an output file.
	for _, p := range []string{out, filepath.Join(dir, "d.npz")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a failed command left %s", p)
		}
	}
}
