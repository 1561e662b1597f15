package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/export"
	"github.com/hierlearn/hierlearn/internal/testutil"
	"github.com/hierlearn/hierlearn/internal/version"
)

// The golden files of the export commands live in testdata/export at the
// repository root; -update (internal/testutil) rewrites them.
const exportGoldenDir = "../../testdata/export"

// exportStableText replaces what changes from build to build by placeholders.
func exportStableText(s string) string {
	s = strings.ReplaceAll(s, version.Full(), "VERSION")
	return regexp.MustCompile(`(?m)^(  concept_checksum = ).*$`).ReplaceAllString(s, "${1}CHECKSUM")
}

func exportGoldenText(t *testing.T, name, got string) {
	t.Helper()
	testutil.Golden(t, filepath.Join(exportGoldenDir, name), []byte(got))
}

func TestInspectGolden(t *testing.T) {
	dir := t.TempDir()
	c, err := concept.New(concept.Spec{D: 5, Layers: 3, Widths: []int{2}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	cfile := filepath.Join(dir, "concept.json")
	if err := c.Save(cfile); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "target.onnx")
	if _, err := runCLI(t, "concept", "export", cfile, "-o", target, "--opset", "13", "-q"); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ golden, model string }{
		{"inspect_torch_mlp_opset17.txt", "../../internal/onnxpb/testdata/mlp_opset17.onnx"},
		{"inspect_torch_convbn_opset13.txt", "../../internal/onnxpb/testdata/convbn_opset13.onnx"},
		{"inspect_concept_hq_opset13.txt", target},
	}
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			out, err := runCLI(t, "inspect", tc.model)
			if err != nil {
				t.Fatal(err)
			}
			exportGoldenText(t, tc.golden, exportStableText(out))
		})
	}
}

func TestInspectBadInput(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.onnx")
	if err := os.WriteFile(text, []byte("this is not a protobuf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.onnx")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ file, want string }{
		{filepath.Join(dir, "missing.onnx"), "no such file"},
		{text, "not an ONNX model"},
		{empty, "not an ONNX model"},
	}
	for _, c := range cases {
		_, err := runCLI(t, "inspect", c.file)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("inspect %s: err = %v, want %q", filepath.Base(c.file), err, c.want)
		}
	}
	if _, err := runCLI(t, "inspect"); err == nil {
		t.Error("inspect without a file succeeded")
	}
}

func TestInspectDump(t *testing.T) {
	out, err := runCLI(t, "inspect", "--dump", "../../internal/onnxpb/testdata/mlp_opset13.onnx")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"opset ai.onnx 13", "input x float32[N,8]", "Gemm(", "output y float32[N,4]"} {
		if !strings.Contains(out, want) {
			t.Errorf("dump lacks %q:\n%s", want, out)
		}
	}
}

// exportNoFile fails t if path exists.
func exportNoFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists after a failed command (stat: %v)", path, err)
	}
	// Nor a temporary file beside it.
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*"))
	if len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

func TestInspectImporterSupport(t *testing.T) {
	// StringNormalizer works on strings, which the importer does not hold.
	g := export.NewGraph("strings")
	x := g.Input("x", dtype.Float32, export.Batch, 2)
	h := g.Node("StringNormalizer", "normalize", []string{x})
	g.Output(g.Node("Relu", "y", []string{h}), dtype.Float32, "", export.Batch, 2)
	path := filepath.Join(t.TempDir(), "strings.onnx")
	if err := g.Write(path); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "inspect", path)
	if err != nil {
		t.Fatal(err)
	}
	want := `supported by hierlearn's importer: no (1 nodes: unsupported operator StringNormalizer (domain ai.onnx, opset 17) at node "normalize")`
	if !strings.Contains(out, want) {
		t.Errorf("inspect output lacks %q:\n%s", want, out)
	}
}
