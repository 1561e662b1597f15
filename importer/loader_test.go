package importer

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

const fixtures = "../testdata/importer"

// Helpers to build small models in Go.

func vinfo(name string, elem onnxpb.TensorProto_DataType, dims ...int64) *onnxpb.ValueInfoProto {
	var ds []*onnxpb.TensorShapeProto_Dimension
	for _, d := range dims {
		if d < 0 {
			ds = append(ds, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "batch"}})
		} else {
			ds = append(ds, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}})
		}
	}
	return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(elem)), Shape: &onnxpb.TensorShapeProto{Dim: ds}}}}}
}

func node(op string, in, out []string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
	return &onnxpb.NodeProto{OpType: proto.String(op), Input: in, Output: out, Attribute: attrs}
}

func floatInit(name string, data []float32, dims ...int64) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: proto.String(name), Dims: dims,
		DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), FloatData: data}
}

func int64Init(name string, data []int64, dims ...int64) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: proto.String(name), Dims: dims,
		DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)), Int64Data: data}
}

func model(opset int64, nodes []*onnxpb.NodeProto, inits []*onnxpb.TensorProto, in, out []*onnxpb.ValueInfoProto) []byte {
	m := &onnxpb.ModelProto{IrVersion: proto.Int64(8),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(opset)}},
		Graph:       &onnxpb.GraphProto{Name: proto.String("g"), Node: nodes, Initializer: inits, Input: in, Output: out}}
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// relu model: y = Relu(x), x [batch, 3].
func reluModel() []byte {
	f := onnxpb.TensorProto_FLOAT
	return model(13, []*onnxpb.NodeProto{node("Relu", []string{"x"}, []string{"y"})}, nil,
		[]*onnxpb.ValueInfoProto{vinfo("x", f, -1, 3)}, []*onnxpb.ValueInfoProto{vinfo("y", f, -1, 3)})
}

// hostile returns models that Load must reject with an error, by name.
func hostile() map[string][]byte {
	f := onnxpb.TensorProto_FLOAT
	x := []*onnxpb.ValueInfoProto{vinfo("x", f, 2)}
	y := []*onnxpb.ValueInfoProto{vinfo("y", f, 2)}
	good := reluModel()
	h := map[string][]byte{
		"truncated": good[:len(good)/2],
		"garbage":   []byte("not a protobuf at all \xff\xff\xff"),
		"cycle": model(13, []*onnxpb.NodeProto{
			node("Add", []string{"x", "b"}, []string{"a"}),
			node("Relu", []string{"a"}, []string{"b"}),
			node("Identity", []string{"a"}, []string{"y"})}, nil, x, y),
		"undefined input": model(13, []*onnxpb.NodeProto{node("Add", []string{"x", "nope"}, []string{"y"})}, nil, x, y),
		"two producers": model(13, []*onnxpb.NodeProto{
			node("Relu", []string{"x"}, []string{"y"}), node("Neg", []string{"x"}, []string{"y"})}, nil, x, y),
		"absurd dims": model(13, []*onnxpb.NodeProto{node("Add", []string{"x", "w"}, []string{"y"})},
			[]*onnxpb.TensorProto{{Name: proto.String("w"), Dims: []int64{1 << 40, 1 << 40},
				DataType: proto.Int32(int32(f)), RawData: []byte{0, 0, 0, 0}}}, x, y),
		"short raw data": model(13, []*onnxpb.NodeProto{node("Add", []string{"x", "w"}, []string{"y"})},
			[]*onnxpb.TensorProto{{Name: proto.String("w"), Dims: []int64{1000},
				DataType: proto.Int32(int32(f)), RawData: make([]byte, 40)}}, x, y),
		"huge ConstantOfShape": model(13, []*onnxpb.NodeProto{
			node("ConstantOfShape", []string{"s"}, []string{"c"}), node("Add", []string{"x", "c"}, []string{"y"})},
			[]*onnxpb.TensorProto{int64Init("s", []int64{1 << 30, 1 << 30, 1 << 30}, 3)}, x, y),
		"negative dim": model(13, []*onnxpb.NodeProto{node("Add", []string{"x", "w"}, []string{"y"})},
			[]*onnxpb.TensorProto{floatInit("w", nil, -2)}, x, y),
		"external data outside dir": model(13, []*onnxpb.NodeProto{node("Add", []string{"x", "w"}, []string{"y"})},
			[]*onnxpb.TensorProto{{Name: proto.String("w"), Dims: []int64{2}, DataType: proto.Int32(int32(f)),
				DataLocation: onnxpb.TensorProto_EXTERNAL.Enum(),
				ExternalData: []*onnxpb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String("../../etc/passwd")}}}}, x, y),
		"shape mismatch": model(13, []*onnxpb.NodeProto{node("MatMul", []string{"x", "w"}, []string{"y"})},
			[]*onnxpb.TensorProto{floatInit("w", make([]float32, 6), 3, 2)}, x, y),
		"no graph": func() []byte { b, _ := proto.Marshal(&onnxpb.ModelProto{IrVersion: proto.Int64(8)}); return b }(),
		"huge Tile": model(13, []*onnxpb.NodeProto{node("Tile", []string{"x", "r"}, []string{"t"}), node("ReduceSum", []string{"t"}, []string{"y"})},
			[]*onnxpb.TensorProto{int64Init("r", []int64{1 << 62}, 1)}, x, y),
		"huge Range": model(13, []*onnxpb.NodeProto{node("Range", []string{"a", "b", "c"}, []string{"r"}), node("Add", []string{"x", "r"}, []string{"y"})},
			[]*onnxpb.TensorProto{floatInit("a", []float32{0}), floatInit("b", []float32{1e30}), floatInit("c", []float32{1e-30})}, x, y),
		"huge OneHot": model(13, []*onnxpb.NodeProto{node("OneHot", []string{"i", "d", "v"}, []string{"o"}), node("Add", []string{"x", "o"}, []string{"y"})},
			[]*onnxpb.TensorProto{int64Init("i", []int64{0, 1}, 2), int64Init("d", []int64{1 << 40}, 1), floatInit("v", []float32{0, 1}, 2)}, x, y),
		"huge Resize": model(19, []*onnxpb.NodeProto{node("Resize", []string{"x", "", "s"}, []string{"y"})},
			[]*onnxpb.TensorProto{floatInit("s", []float32{1e30}, 1)}, x, y),
		"Gather index out of range": model(13, []*onnxpb.NodeProto{node("GatherElements", []string{"x", "i"}, []string{"y"})},
			[]*onnxpb.TensorProto{int64Init("i", []int64{0, 5}, 2)}, x, y),
	}
	maps.Copy(h, hostileControlFlow())
	return h
}

// newOpsModel chains operators added for the ONNX 1.22 backend tests (a
// seed for FuzzLoadBytes).
func newOpsModel() []byte {
	f := onnxpb.TensorProto_FLOAT
	return model(18, []*onnxpb.NodeProto{
		node("Tile", []string{"x", "r"}, []string{"t"}), node("CumSum", []string{"t", "ax"}, []string{"c"}),
		node("Gelu", []string{"c"}, []string{"g"}), node("TopK", []string{"g", "k"}, []string{"v", "i"}),
		node("GatherElements", []string{"t", "i"}, []string{"e"}), node("ReduceMax", []string{"e", "ax"}, []string{"m"}),
		node("Range", []string{"s0", "s1", "s2"}, []string{"rg"}), node("Cast", []string{"rg"}, []string{"rf"}, aInt("to", 1)),
		node("Add", []string{"m", "rf"}, []string{"y"})},
		[]*onnxpb.TensorProto{int64Init("r", []int64{2}, 1), int64Init("ax", []int64{0}, 1), int64Init("k", []int64{2}, 1),
			int64Init("s0", []int64{0}), int64Init("s1", []int64{1}), int64Init("s2", []int64{1})},
		[]*onnxpb.ValueInfoProto{vinfo("x", f, 3)}, []*onnxpb.ValueInfoProto{vinfo("y", f, 1)})
}

func TestHostileModelsAreErrors(t *testing.T) {
	for name, b := range hostile() {
		t.Run(name, func(t *testing.T) {
			m, err := LoadBytes(b)
			if err == nil {
				t.Fatalf("LoadBytes accepted it: %+v", m.Inputs)
			}
			t.Log(err)
		})
	}
}

func TestExternalDataConfinedToModelDir(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "model")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "secret.bin")
	if err := os.WriteFile(secret, make([]byte, 8), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(sub, "link.bin")); err != nil {
		t.Fatal(err)
	}
	f := onnxpb.TensorProto_FLOAT
	for _, loc := range []string{"../secret.bin", secret, "link.bin", "sub/../../secret.bin", "missing.bin"} {
		b := model(13, []*onnxpb.NodeProto{node("Add", []string{"x", "w"}, []string{"y"})},
			[]*onnxpb.TensorProto{{Name: proto.String("w"), Dims: []int64{2}, DataType: proto.Int32(int32(f)),
				DataLocation: onnxpb.TensorProto_EXTERNAL.Enum(),
				ExternalData: []*onnxpb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String(loc)}}}},
			[]*onnxpb.ValueInfoProto{vinfo("x", f, 2)}, []*onnxpb.ValueInfoProto{vinfo("y", f, 2)})
		path := filepath.Join(sub, "m.onnx")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path); err == nil {
			t.Errorf("location %q: loaded", loc)
		} else {
			t.Logf("location %q: %v", loc, err)
		}
	}
}

func TestExternalData(t *testing.T) {
	m, err := Load(filepath.Join(fixtures, "external", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	z, err := npy.ReadNPZ(filepath.Join(fixtures, "external", "io.npz"))
	if err != nil {
		t.Fatal(err)
	}
	x, _ := z.Get("x")
	want, _ := z.Get("y")
	xt, err := fromNPY(x, Float32)
	if err != nil {
		t.Fatal(err)
	}
	got, err := NewSession(m).Run(map[string]*Tensor{"x": xt})
	if err != nil {
		t.Fatal(err)
	}
	wt, _ := fromNPY(want, Float32)
	if err := closeEnough(got["y"], wt, 1e-5, 1e-6); err != nil {
		t.Fatal(err)
	}
}

func loadTiny(t *testing.T) (*Model, *Tensor, *Tensor) {
	t.Helper()
	m, err := Load(filepath.Join(fixtures, "tiny_cnn.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	z, err := npy.ReadNPZ(filepath.Join(fixtures, "tiny_cnn_io.npz"))
	if err != nil {
		t.Fatal(err)
	}
	x, _ := z.Get("input")
	y, _ := z.Get("probs")
	xt, _ := fromNPY(x, Float32)
	yt, _ := fromNPY(y, Float32)
	return m, xt, yt
}

// TestTinyCNNMatchesTorch compares with PyTorch's output stored by
// tools/make_importer_fixtures.py, and checks the load-time rewrites.
func TestTinyCNNMatchesTorch(t *testing.T) {
	m, x, want := loadTiny(t)
	loaded, executed := m.OpCounts()
	if loaded["BatchNormalization"] != 1 || executed["BatchNormalization"] != 0 {
		t.Errorf("BatchNormalization not folded: loaded %v, executed %v", loaded, executed)
	}
	if executed["Relu"] != 0 {
		t.Errorf("Relu not fused: %v", executed)
	}
	// x.view(x.size(0), -1) with a symbolic batch: the shape plumbing is
	// folded at load time, leaving a Reshape with a constant target.
	for _, op := range []string{"Shape", "Gather", "Unsqueeze", "Concat", "Constant"} {
		if loaded[op] == 0 && op != "Constant" {
			t.Errorf("fixture has no %s: %v", op, loaded)
		}
		if executed[op] != 0 {
			t.Errorf("%s left after load: %v", op, executed)
		}
	}
	s := NewSession(m)
	got, err := s.Run(map[string]*Tensor{"input": x})
	if err != nil {
		t.Fatal(err)
	}
	if err := closeEnough(got["probs"], want, 1e-4, 1e-6); err != nil {
		t.Fatal(err)
	}
	// One image alone (batch 1) gives the first row.
	one := &Tensor{DType: Float32, Shape: []int{1, 3, 16, 16}, F: x.F[:3*16*16]}
	got1, err := s.Run(map[string]*Tensor{"input": one})
	if err != nil {
		t.Fatal(err)
	}
	row := &Tensor{DType: Float32, Shape: []int{1, 5}, F: want.F[:5]}
	if err := closeEnough(got1["probs"], row, 1e-4, 1e-6); err != nil {
		t.Fatal(err)
	}
	// The shape plumbing of x.view(x.size(0), -1) is folded away.
	p, err := m.buildPlan([]*Tensor{x}, true, defaultEnv)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range p.steps {
		switch st.node.Op {
		case "Shape", "Gather", "Unsqueeze", "Concat", "Constant":
			t.Errorf("%s (%s) left in the plan", st.node.Name, st.node.Op)
		}
	}
}

func TestConcurrentRuns(t *testing.T) {
	m, x, _ := loadTiny(t)
	s := NewSession(m)
	img := 3 * 16 * 16
	ref := map[int]*Tensor{}
	for b := 1; b <= 3; b++ {
		in := &Tensor{DType: Float32, Shape: []int{b, 3, 16, 16}, F: x.F[:b*img]}
		out, err := NewSession(m).Run(map[string]*Tensor{"input": in})
		if err != nil {
			t.Fatal(err)
		}
		ref[b] = out["probs"]
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				b := 1 + (g+i)%3
				in := &Tensor{DType: Float32, Shape: []int{b, 3, 16, 16}, F: x.F[:b*img]}
				out, err := s.Run(map[string]*Tensor{"input": in})
				if err != nil {
					errs <- err
					return
				}
				for j, v := range out["probs"].F {
					if math.Float32bits(v) != math.Float32bits(ref[b].F[j]) {
						errs <- errors.New("concurrent run differs from a sequential one")
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestRunInputErrors(t *testing.T) {
	m, err := LoadBytes(reluModel())
	if err != nil {
		t.Fatal(err)
	}
	s := NewSession(m)
	for name, in := range map[string]map[string]*Tensor{
		"missing":    {},
		"extra":      {"x": {DType: Float32, Shape: []int{1, 3}, F: make([]float32, 3)}, "z": {DType: Float32, Shape: []int{1}, F: []float32{1}}},
		"wrong type": {"x": {DType: Int64, Shape: []int{1, 3}, I: make([]int64, 3)}},
		"wrong dim":  {"x": {DType: Float32, Shape: []int{1, 4}, F: make([]float32, 4)}},
		"wrong rank": {"x": {DType: Float32, Shape: []int{3}, F: make([]float32, 3)}},
		"short data": {"x": {DType: Float32, Shape: []int{2, 3}, F: make([]float32, 3)}},
	} {
		if _, err := s.Run(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	out, err := s.Run(map[string]*Tensor{"x": {DType: Float32, Shape: []int{5, 3}, F: []float32{-1, 2, -3, 4, -5, 6, 0, 0, 0, 1, 1, 1, -2, -2, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 2, 0, 4, 0, 6, 0, 0, 0, 1, 1, 1, 0, 0, 2}
	for i, v := range out["y"].F {
		if v != want[i] {
			t.Fatalf("relu = %v, want %v", out["y"].F, want)
		}
	}
}

func TestUnsupportedOperatorIsTyped(t *testing.T) {
	f := onnxpb.TensorProto_FLOAT
	loop := node("Loop", []string{"x"}, []string{"a"})
	loop.Name = proto.String("loop")
	custom := node("Fancy", []string{"a"}, []string{"y"})
	custom.Domain = proto.String("com.example")
	b := model(13, []*onnxpb.NodeProto{loop, custom}, nil,
		[]*onnxpb.ValueInfoProto{vinfo("x", f, 2)}, []*onnxpb.ValueInfoProto{vinfo("y", f, 2)})
	_, err := LoadBytes(b)
	var ue *UnsupportedError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want *UnsupportedError", err)
	}
	if ue.Op != "Loop" || ue.Domain != "" || ue.Opset != 13 || ue.Node != "loop" {
		t.Errorf("got %+v", ue)
	}
	list, err := CheckSupport(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[1].Op != "Fancy" || list[1].Domain != "com.example" {
		t.Errorf("CheckSupport = %+v", list)
	}
	// An opset past MaxOpset is refused as a whole.
	_, err = LoadBytes(model(MaxOpset+1, []*onnxpb.NodeProto{node("Relu", []string{"x"}, []string{"y"})}, nil,
		[]*onnxpb.ValueInfoProto{vinfo("x", f, 2)}, []*onnxpb.ValueInfoProto{vinfo("y", f, 2)}))
	if !errors.As(err, &ue) || !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), fmt.Sprintf("opset %d", MaxOpset+1)) {
		t.Errorf("opset %d: %v", MaxOpset+1, err)
	}
	// A version of an operator we do not implement (Relu-1, with its
	// consumed_inputs) is refused naming the versions we do.
	_, err = LoadBytes(model(5, []*onnxpb.NodeProto{node("Relu", []string{"x"}, []string{"y"})}, nil,
		[]*onnxpb.ValueInfoProto{vinfo("x", f, 2)}, []*onnxpb.ValueInfoProto{vinfo("y", f, 2)}))
	if !errors.Is(err, ErrUnsupportedVersion) || !errors.As(err, &ue) || ue.Version != 1 ||
		!strings.Contains(err.Error(), "Relu-1; versions supported: 6, 13, 14") {
		t.Errorf("Relu at opset 5: %v", err)
	}
	if errors.Is(err, ErrShape) {
		t.Errorf("Relu at opset 5 matches ErrShape")
	}
	// An attribute value we do not implement is refused at load time.
	pad := node("Pad", []string{"x", "p"}, []string{"y"}, &onnxpb.AttributeProto{Name: proto.String("mode"), S: []byte("wrap"),
		Type: onnxpb.AttributeProto_STRING.Enum()})
	_, err = LoadBytes(model(13, []*onnxpb.NodeProto{pad}, []*onnxpb.TensorProto{int64Init("p", []int64{0, 0}, 2)},
		[]*onnxpb.ValueInfoProto{vinfo("x", f, 2)}, []*onnxpb.ValueInfoProto{vinfo("y", f, 2)}))
	if !errors.As(err, &ue) || ue.Op != "Pad" {
		t.Errorf("Pad mode wrap: %v", err)
	}
}

// FuzzLoadBytes feeds mutated models to the loader: errors are fine,
// panics and huge allocations are not.
func FuzzLoadBytes(f *testing.F) {
	for _, name := range []string{"tiny_cnn.onnx", "external/model.onnx"} {
		if b, err := os.ReadFile(filepath.Join(fixtures, name)); err == nil {
			f.Add(b)
		}
	}
	f.Add(reluModel())
	f.Add(newOpsModel())
	for _, b := range controlFlowModels() {
		f.Add(b)
	}
	f.Add(quantModel())
	f.Add(float64Model())
	for _, b := range hostile() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := CheckSupport(b); err != nil {
			return
		}
		m, err := LoadBytes(b)
		if err != nil {
			return
		}
		// Run models whose inputs are small, with symbolic dims = 2.
		in := map[string]*Tensor{}
		for _, vi := range m.Inputs {
			if vi.Shape == nil {
				return
			}
			shape := make([]int, len(vi.Shape))
			for i, d := range vi.Shape {
				shape[i] = d
				if d < 0 {
					shape[i] = 2
				}
			}
			if numel(shape) > 1<<12 {
				return
			}
			in[vi.Name] = newTensor(vi.DType, shape)
		}
		ins := make([]*Tensor, len(m.Inputs))
		for i, vi := range m.Inputs {
			ins[i] = in[vi.Name]
		}
		p, err := m.buildPlan(ins, true, defaultEnv)
		if err != nil {
			return
		}
		total := p.scratch
		for _, n := range p.bufSize {
			total += n
		}
		if total > 1<<22 {
			return
		}
		_, _ = NewSession(m).Run(in)
	})
}

// A model whose symbolic batch only works at 1 (a hard-coded Reshape)
// loads, runs at batch 1 and reports a clear error at batch 2.
func TestBatchOneOnlyModel(t *testing.T) {
	f := onnxpb.TensorProto_FLOAT
	b := model(13, []*onnxpb.NodeProto{node("Reshape", []string{"x", "s"}, []string{"y"})},
		[]*onnxpb.TensorProto{int64Init("s", []int64{1, 6}, 2)},
		[]*onnxpb.ValueInfoProto{vinfo("x", f, -1, 2, 3)}, []*onnxpb.ValueInfoProto{vinfo("y", f, 1, 6)})
	m, err := LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSession(m)
	if _, err := s.Run(map[string]*Tensor{"x": newTensor(Float32, []int{1, 2, 3})}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Run(map[string]*Tensor{"x": newTensor(Float32, []int{2, 2, 3})})
	if err == nil || !strings.Contains(err.Error(), "reshape") {
		t.Fatalf("batch 2: %v", err)
	}
}

func TestMemoryBytes(t *testing.T) {
	m, x, _ := loadTiny(t)
	s := NewSession(m)
	c0, w0 := s.MemoryBytes()
	if c0 <= 0 || w0 != 0 {
		t.Fatalf("before any run: constants %d, workspaces %d", c0, w0)
	}
	if _, err := s.Run(map[string]*Tensor{"input": x}); err != nil {
		t.Fatal(err)
	}
	// The first conv's output alone is 3x8x16x16 float32s.
	if _, w := s.MemoryBytes(); w < 3*8*16*16*4 {
		t.Fatalf("workspaces %d bytes after a batch-3 run", w)
	}
}

// Folding BatchNormalization into Conv leaves no stale weights behind.
func TestFoldedConstantsPruned(t *testing.T) {
	m, _, _ := loadTiny(t)
	var n int
	for _, c := range m.consts {
		n += c.Len()
	}
	// conv1 8x3x3x3+8, conv2 8x2x3x3, fc 5x32+5, plus small shape constants.
	if want := 8*27 + 8 + 8*2*9 + 5*32 + 5; n < want || n > want+64 {
		t.Errorf("%d constant elements kept, want about %d", n, want)
	}
}

// TestGatherBadIndexIsAnInputError: an index out of range, known only at
// run time, is reported as what it is (ErrBadInput, naming the node and
// the index), not as an internal error.
func TestGatherBadIndexIsAnInputError(t *testing.T) {
	nodes := []*onnxpb.NodeProto{node("Gather", []string{"x", "i"}, []string{"y"})}
	b := model(13, nodes, nil, []*onnxpb.ValueInfoProto{vinfo("x", onnxpb.TensorProto_FLOAT, 3),
		vinfo("i", onnxpb.TensorProto_INT64, -1)}, []*onnxpb.ValueInfoProto{vinfo("y", onnxpb.TensorProto_FLOAT, -1)})
	m, err := LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	x := &Tensor{DType: Float32, Shape: []int{3}, F: []float32{1, 2, 3}}
	for _, n := range []int{2, 100} { // folded into the plan (<= 64 elements), then read at run time
		idx := make([]int64, n)
		idx[n-1] = 7
		_, err = NewSession(m).Run(map[string]*Tensor{"x": x, "i": {DType: Int64, Shape: []int{n}, I: idx}})
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "index 7 out of range") || strings.Contains(err.Error(), "internal") {
			t.Errorf("%d indices: err = %v, want ErrBadInput naming index 7", n, err)
		}
	}
}
