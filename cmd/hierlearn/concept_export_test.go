package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/export/exporttest"
)

func TestConceptExportCLI(t *testing.T) {
	dir := t.TempDir()
	c, err := concept.New(concept.Spec{Family: concept.FamilyReLU, D: 4, Layers: 2, Widths: []int{3}, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	cfile := filepath.Join(dir, "concept.json")
	if err := c.Save(cfile); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, opset := range []string{"13", "17"} {
		out := filepath.Join(dir, "target"+opset+".onnx")
		stdout, err := runCLI(t, "concept", "export", cfile, "-o", out, "--opset", opset)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout, "wrote "+out) {
			t.Errorf("stdout %q", stdout)
		}
		info, err := runCLI(t, "inspect", out)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"ai.onnx " + opset, "x  float32[N,4]", "h2  float32[N,3]", "seed = 9"} {
			if !strings.Contains(info, want) {
				t.Errorf("inspect output lacks %q:\n%s", want, info)
			}
		}
		paths = append(paths, out)
	}
	exporttest.Check(t, paths...)
}

func TestConceptExportBadInput(t *testing.T) {
	dir := t.TempDir()
	c, err := concept.New(concept.Spec{D: 4, Layers: 2, Widths: []int{2}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "concept.json")
	if err := c.Save(good); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(dir, "corrupt.json")
	if err := os.WriteFile(corrupt, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	tampered := filepath.Join(dir, "tampered.json")
	if err := os.WriteFile(tampered, []byte(strings.Replace(string(b), `"seed": 1`, `"seed": 2`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{filepath.Join(dir, "nope.json")}, "no such file"},
		{"corrupt file", []string{corrupt}, "concept"},
		{"tampered file", []string{tampered}, "concept"},
		{"opset 12", []string{good, "--opset", "12"}, "unsupported opset 12"},
		{"opset 18", []string{good, "--opset", "18"}, "unsupported opset 18"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".onnx")
			_, err := runCLI(t, append([]string{"concept", "export", "-o", out}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			exportNoFile(t, out)
		})
	}
	if _, err := runCLI(t, "concept", "export", good); err == nil || !strings.Contains(err.Error(), "-o") {
		t.Errorf("without -o: err = %v", err)
	}
}
