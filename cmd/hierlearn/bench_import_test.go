package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/internal/testutil"
)

// A one-setting run of bench import: it must print the comparison and
// write a JSON report with the version, the kernel path it was asked for
// and both engines' times.
func TestBenchImportSmoke(t *testing.T) {
	testutil.Python(t, "torch", "torchvision", "onnx")
	testutil.Node(t)
	out := filepath.Join(t.TempDir(), "bench.json")
	stdout, err := runCLI(t, "bench", "import", "--models", "resnet20b", "--thread-counts", "1", "--batches", "2",
		"--repeat", "2", "--warmup", "0", "--onnx-go=false", "--path", "generic", "-o", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if !strings.Contains(stdout, "resnet20b") || !strings.Contains(stdout, "peak memory") {
		t.Errorf("output:\n%s", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Version string
		Kernel  string `json:"kernel_path"`
		Rows    []struct {
			NativeMS float64 `json:"native_ms"`
			ORTMS    float64 `json:"onnxruntime_ms"`
		}
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Version == "" || rep.Kernel != "generic" || len(rep.Rows) != 1 || rep.Rows[0].NativeMS <= 0 || rep.Rows[0].ORTMS <= 0 {
		t.Errorf("report %s", b)
	}
	if _, err := runCLI(t, "bench", "import", "--repeat", "0"); err == nil {
		t.Error("--repeat 0 accepted")
	}
	if _, err := runCLI(t, "bench", "import", "--path", "neon"); err == nil || !strings.Contains(err.Error(), "neon") {
		t.Errorf("--path neon: %v", err)
	}
}
