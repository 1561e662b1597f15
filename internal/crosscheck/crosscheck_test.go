package crosscheck

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

const tiny = "../../testdata/importer/tiny_cnn.onnx"

func TestCompareFlagsDisagreement(t *testing.T) {
	ref, _ := importer.NewFloat32([]float32{1, -2, 10}, 3)
	same, _ := importer.NewFloat32([]float32{1, -2, 10.0001}, 3)
	off, _ := importer.NewFloat32([]float32{1, -2.01, 10}, 3)
	short, _ := importer.NewFloat32([]float32{1, -2}, 2)
	if d := compare("a", "y", same, ref); !d.Agrees || d.MaxAbs > 2e-4 {
		t.Errorf("within tolerance: %+v", d)
	}
	if d := compare("a", "y", off, ref); d.Agrees || d.MaxAbs < 0.009 || d.MaxRel < 0.0009 {
		t.Errorf("1e-3 relative error accepted: %+v", d)
	}
	if d := compare("a", "y", short, ref); d.Agrees || d.Problem == "" {
		t.Errorf("shape mismatch accepted: %+v", d)
	}
	if d := compare("a", "y", nil, ref); d.Agrees {
		t.Errorf("missing output accepted: %+v", d)
	}
}

func TestValidateTinyModel(t *testing.T) {
	testutil.Node(t)
	m, err := importer.Load(tiny)
	if err != nil {
		t.Fatal(err)
	}
	in, err := importer.RandomInputs(m, 2, 7)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	rep, err := ValidateRuns(&buf, tiny, in, Engines, 3)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Reference != "onnxruntime" || len(rep.Diffs) == 0 {
		t.Fatalf("report %+v\n%s", rep, buf.String())
	}
	for _, d := range rep.Diffs {
		if d.Engine == "native" && !d.Agrees {
			t.Errorf("native disagrees: %+v", d)
		}
	}
	// onnx-go cannot run this model (MaxPool ceil_mode): an error, not a crash.
	if _, ok := rep.Errors["onnx-go"]; !ok {
		t.Errorf("onnx-go unexpectedly ran the model:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "agree") {
		t.Errorf("output:\n%s", buf.String())
	}
}
