package importer

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// TestRegistryEntriesAreComplete: every operator declares its backward
// or that it has none (never both, never neither), a build function, and
// versions that are ascending since_versions of that operator in ONNX's
// changelog.
func TestRegistryEntriesAreComplete(t *testing.T) {
	for _, op := range SupportedOps() {
		def := registry[op]
		if (def.back != nil) == def.noBack {
			t.Errorf("%s: declares back=%v and noBack=%v; want exactly one", op, def.back != nil, def.noBack)
		}
		if def.build == nil {
			t.Errorf("%s: no build function", op)
		}
		onnx, ok := onnxVersions[op]
		if !ok {
			t.Errorf("%s: not an operator of the default domain", op)
		}
		if len(def.versions) == 0 || !slices.IsSorted(def.versions) {
			t.Errorf("%s: versions %v must be given, ascending", op, def.versions)
		}
		for _, v := range def.versions {
			if !slices.Contains(onnx, v) {
				t.Errorf("%s: version %d is not one of ONNX's %v", op, v, onnx)
			}
		}
	}
}

// TestVersionDispatch: a node runs the definition its operator has at the
// model's opset, and is refused when we do not implement that one.
func TestVersionDispatch(t *testing.T) {
	cases := []struct {
		op      string
		opset   int64
		version int64 // since_version at opset
		ok      bool
	}{
		{"Add", 6, 6, false}, // Add-6: legacy broadcast attribute
		{"Add", 7, 7, true},
		{"Add", 12, 7, true},
		{"Add", 27, 14, true},
		{"ReduceMean", 17, 13, true},
		{"ReduceMean", 18, 18, true},
		{"Split", 1, 1, false},
		{"Split", 18, 18, true},
		{"ConstantOfShape", 8, 0, false}, // did not exist yet
		{"Relu", 5, 1, false},
		{"Relu", 26, 14, true},
	}
	for _, c := range cases {
		if v := sinceVersion(c.op, c.opset); v != c.version {
			t.Errorf("%s at opset %d: since_version %d, want %d", c.op, c.opset, v, c.version)
		}
		_, err := lookupOp(&Node{Op: c.op, Opset: c.opset, Name: "n"})
		if (err == nil) != c.ok {
			t.Errorf("%s at opset %d: err = %v, want ok=%v", c.op, c.opset, err, c.ok)
		}
		if err != nil && c.version > 0 && !errors.Is(err, ErrUnsupportedVersion) {
			t.Errorf("%s at opset %d: %v does not match ErrUnsupportedVersion", c.op, c.opset, err)
		}
		if err != nil && !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s at opset %d: %v does not match ErrUnsupported", c.op, c.opset, err)
		}
	}
}

// TestGradientThroughNoDerivativeIsAnError: an operator declared without
// a derivative stops Backward with an error naming it and its node, while
// integer values (Shape's output) are simply not differentiated.
func TestGradientThroughNoDerivativeIsAnError(t *testing.T) {
	registry["NoDeriv"] = opDef{versions: []int64{1}, build: buildUnary("Neg"), noBack: true}
	onnxVersions["NoDeriv"] = []int64{1}
	defer func() {
		delete(registry, "NoDeriv")
		delete(onnxVersions, "NoDeriv")
	}()
	nodes := []*onnxpb.NodeProto{node("Relu", []string{"X"}, []string{"r"}), node("NoDeriv", []string{"r"}, []string{"Y"})}
	nodes[1].Name = ptr("the_node")
	m, err := LoadBytes(model(13, nodes, nil, []*onnxpb.ValueInfoProto{vinfo("X", onnxpb.TensorProto_FLOAT, 2)}, outInfo("Y")))
	if err != nil {
		t.Fatal(err)
	}
	gs, err := NewGradSession(m)
	if err != nil {
		t.Fatal(err)
	}
	tape, err := gs.Forward(map[string]*Tensor{"X": {DType: Float32, Shape: []int{2}, F: []float32{1, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tape.Backward(map[string]*Tensor{"Y": {DType: Float32, Shape: []int{2}, F: []float32{1, 1}}})
	if !errors.Is(err, ErrNoGradient) || !strings.Contains(err.Error(), `"the_node" (NoDeriv)`) {
		t.Errorf("err = %v, want ErrNoGradient naming node the_node (NoDeriv)", err)
	}
}

func ptr[T any](v T) *T { return &v }
