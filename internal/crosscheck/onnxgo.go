package crosscheck

import (
	"fmt"
	"os"

	onnx "github.com/owulveryck/onnx-go"
	"github.com/owulveryck/onnx-go/backend/x/gorgonnx"
	"gorgonia.org/tensor"

	"github.com/hierlearn/hierlearn/importer"
)

// OnnxGo is a model loaded into onnx-go v0.5.0 (gorgonnx backend). Its
// protobuf types are its own (package onnx-go/internal/onnx), so it links
// beside ours (hierlearn.onnxpb) without a registry clash.
type OnnxGo struct {
	backend *gorgonnx.Graph
	model   *onnx.Model
}

// LoadOnnxGo decodes path with onnx-go; unsupported models give an error
// (onnx-go's panics are recovered).
func LoadOnnxGo(path string) (og *OnnxGo, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			og, err = nil, fmt.Errorf("onnx-go panicked while loading: %v", r)
		}
	}()
	backend := gorgonnx.NewGraph()
	m := onnx.NewModel(backend)
	if err := m.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("onnx-go: %w", err)
	}
	return &OnnxGo{backend: backend, model: m}, nil
}

// Run feeds the inputs (in the order of ins) and returns the outputs in
// graph order.
func (o *OnnxGo) Run(ins []*importer.Tensor) (outs []*importer.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			outs, err = nil, fmt.Errorf("onnx-go panicked while running: %v", r)
		}
	}()
	for i, t := range ins {
		if t.DType != importer.Float32 {
			return nil, fmt.Errorf("onnx-go: only float32 inputs are fed")
		}
		x := tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(append([]float32{}, t.F...)))
		if err := o.model.SetInput(i, x); err != nil {
			return nil, fmt.Errorf("onnx-go: input %d: %w", i, err)
		}
	}
	if err := o.backend.Run(); err != nil {
		return nil, fmt.Errorf("onnx-go: %w", err)
	}
	res, err := o.model.GetOutputTensors()
	if err != nil {
		return nil, fmt.Errorf("onnx-go: %w", err)
	}
	for _, r := range res {
		data, ok := r.Data().([]float32)
		if !ok {
			return nil, fmt.Errorf("onnx-go: output of type %T", r.Data())
		}
		t, err := importer.NewFloat32(append([]float32{}, data...), r.Shape()...)
		if err != nil {
			return nil, err
		}
		outs = append(outs, t)
	}
	return outs, nil
}
