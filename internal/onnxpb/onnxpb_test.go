package onnxpb_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/export/exporttest"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/onnxpb"
	"github.com/hierlearn/hierlearn/internal/testutil"
)

// The fixtures in testdata/ were written by tools/onnx_torch_models.py
// (PyTorch 1.13, torch.onnx.export); TestTorchExport regenerates them and
// checks that they have not gone stale.

func decode(t testing.TB, b []byte) *onnxpb.ModelProto {
	t.Helper()
	m := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(b, m); err != nil {
		t.Fatal(err)
	}
	return m
}

func encode(t testing.TB, m *onnxpb.ModelProto) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixture describes what each torch export must contain.
var fixtures = []struct {
	file    string
	opset   int64
	ir      int64
	ops     string // op types in graph order
	inShape string // input dims, symbolic ones by name
	nInit   int
}{
	{"mlp_opset13.onnx", 13, 7, "Gemm Relu Gemm Tanh", "N,8", 4},
	{"mlp_opset17.onnx", 17, 8, "Gemm Relu Gemm Tanh", "N,8", 4},
	{"convbn_opset13.onnx", 13, 7, "Conv BatchNormalization Relu MaxPool Conv BatchNormalization Relu GlobalAveragePool Flatten Gemm", "N,3,8,8", 13},
	{"convbn_opset17.onnx", 17, 8, "Conv BatchNormalization Relu MaxPool Conv BatchNormalization Relu GlobalAveragePool Flatten Gemm", "N,3,8,8", 13},
}

func dims(v *onnxpb.ValueInfoProto) string {
	var s []string
	for _, d := range v.GetType().GetTensorType().GetShape().GetDim() {
		if p := d.GetDimParam(); p != "" {
			s = append(s, p)
		} else {
			s = append(s, fmt.Sprint(d.GetDimValue()))
		}
	}
	return strings.Join(s, ",")
}

// TestDecodeTorchFixtures checks that the decoded messages hold what torch
// wrote (so the field numbers are right, not merely self-consistent) and
// that re-encoding gives the original bytes.
func TestDecodeTorchFixtures(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", f.file))
			if err != nil {
				t.Fatal(err)
			}
			m := decode(t, b)
			if got := m.GetProducerName(); got != "pytorch" {
				t.Errorf("producer %q, want pytorch", got)
			}
			if got := m.GetIrVersion(); got != f.ir {
				t.Errorf("IR version %d, want %d", got, f.ir)
			}
			if len(m.OpsetImport) != 1 || m.OpsetImport[0].GetVersion() != f.opset || m.OpsetImport[0].GetDomain() != "" {
				t.Errorf("opset imports %v, want default domain %d", m.OpsetImport, f.opset)
			}
			g := m.GetGraph()
			var ops []string
			for _, n := range g.GetNode() {
				ops = append(ops, n.GetOpType())
			}
			if got := strings.Join(ops, " "); got != f.ops {
				t.Errorf("ops %q, want %q", got, f.ops)
			}
			if len(g.Input) != 1 || g.Input[0].GetName() != "x" || dims(g.Input[0]) != f.inShape {
				t.Errorf("inputs %v, want x[%s]", g.Input, f.inShape)
			}
			if g.Input[0].GetType().GetTensorType().GetElemType() != int32(onnxpb.TensorProto_FLOAT) {
				t.Errorf("input element type %d, want FLOAT", g.Input[0].GetType().GetTensorType().GetElemType())
			}
			if len(g.Initializer) != f.nInit {
				t.Errorf("%d initializers, want %d", len(g.Initializer), f.nInit)
			}
			for _, init := range g.Initializer {
				n := int64(1)
				for _, d := range init.Dims {
					n *= d
				}
				if init.GetDataType() == int32(onnxpb.TensorProto_FLOAT) && int64(len(init.RawData)) != 4*n {
					t.Errorf("initializer %s: %d raw bytes for dims %v", init.GetName(), len(init.RawData), init.Dims)
				}
			}
			if re := encode(t, m); !bytes.Equal(re, b) {
				t.Errorf("re-encoded bytes differ from torch's (%d vs %d bytes, first difference at %d)", len(re), len(b), firstDiff(re, b))
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestReencodedRunsIdentically checks that re-encoded models pass
// onnx.checker (full_check) and that onnxruntime gives bitwise the same
// outputs for the original and the re-encoded file. The re-encoding goes
// through a field-by-field copy built from the Go structs (not the raw
// bytes), so that a wrong field number would show.
func TestReencodedRunsIdentically(t *testing.T) {
	tmp := t.TempDir()
	var reencoded []string
	for _, f := range fixtures {
		orig := filepath.Join("testdata", f.file)
		b, err := os.ReadFile(orig)
		if err != nil {
			t.Fatal(err)
		}
		m := decode(t, b)
		// Rebuild the model from the decoded pieces with a different
		// producer, so that the bytes are new ones of our own making.
		m2 := &onnxpb.ModelProto{
			IrVersion:       m.IrVersion,
			ProducerName:    proto.String("hierlearn-onnxpb-test"),
			ProducerVersion: proto.String("0"),
			OpsetImport:     m.OpsetImport,
			Graph:           m.Graph,
			MetadataProps:   []*onnxpb.StringStringEntryProto{{Key: proto.String("source"), Value: proto.String(f.file)}},
		}
		path := filepath.Join(tmp, f.file)
		if err := os.WriteFile(path, encode(t, m2), 0o644); err != nil {
			t.Fatal(err)
		}
		reencoded = append(reencoded, path)
	}
	exporttest.Check(t, reencoded...)
	rng := rand.New(rand.NewPCG(1, 2))
	for i, f := range fixtures {
		shape := []int{7, 8}
		if strings.HasPrefix(f.file, "convbn") {
			shape = []int{7, 3, 8, 8}
		}
		x := make([]float32, npy.Size(shape))
		for j := range x {
			x[j] = float32(rng.NormFloat64())
		}
		in := map[string]*npy.Array{"x": npy.NewFloat32(x, shape...)}
		want := exporttest.RunORT(t, filepath.Join("testdata", f.file), in)["y"]
		got := exporttest.RunORT(t, reencoded[i], in)["y"]
		if want == nil || got == nil {
			t.Fatalf("%s: output y missing", f.file)
		}
		if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
			t.Fatalf("%s: shapes %v vs %v", f.file, got.Shape, want.Shape)
		}
		for j := range want.F32 {
			if got.F32[j] != want.F32[j] {
				t.Fatalf("%s: output %d differs: %g vs %g", f.file, j, got.F32[j], want.F32[j])
			}
		}
	}
}

// TestTorchExport reruns tools/onnx_torch_models.py and checks that it
// still writes the committed fixtures byte for byte, so that the fixtures
// are reproducible and the test above runs on what torch writes.
func TestTorchExport(t *testing.T) {
	py := testutil.Python(t, "torch", "onnx")
	script := testutil.Tool(t, "onnx_torch_models.py")
	dir := t.TempDir()
	if out, err := exec.Command(py, script, dir).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	for _, f := range fixtures {
		got, err := os.ReadFile(filepath.Join(dir, f.file))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("testdata", f.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the script's output differs from testdata (run it with testdata as OUTDIR if the script changed)", f.file)
		}
		if re := encode(t, decode(t, got)); !bytes.Equal(re, got) {
			t.Errorf("%s: re-encoding changed the bytes", f.file)
		}
	}
}

// FuzzUnmarshalModel decodes arbitrary bytes as a ModelProto. Whatever
// decodes must re-encode and decode to an equal message (the image/png
// round-trip pattern).
func FuzzUnmarshalModel(f *testing.F) {
	for _, fx := range fixtures {
		b, err := os.ReadFile(filepath.Join("testdata", fx.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0x08, 0x08})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			return
		}
		m := &onnxpb.ModelProto{}
		if err := proto.Unmarshal(b, m); err != nil {
			return
		}
		re, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			t.Fatalf("decoded message does not re-encode: %v", err)
		}
		m2 := &onnxpb.ModelProto{}
		if err := proto.Unmarshal(re, m2); err != nil {
			t.Fatalf("re-encoded bytes do not decode: %v", err)
		}
		if !proto.Equal(m, m2) {
			t.Fatal("decode-encode-decode changed the message")
		}
		// The torch-written fields (no unknown fields) re-encode stably.
		re2, err := proto.MarshalOptions{Deterministic: true}.Marshal(m2)
		if err != nil || !bytes.Equal(re, re2) {
			t.Fatalf("second encoding differs (err %v)", err)
		}
	})
}
