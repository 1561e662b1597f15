package analysis

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/errkind"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/internal/npyconv"
	"github.com/hierlearn/hierlearn/internal/version"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// ReadInput reads a .npy batch for the model's input (float64 is cast);
// an array of the per-example shape gets a batch axis of 1.
func (md *Model) ReadInput(path string) (*importer.Tensor, error) {
	a, err := npy.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	return md.tensorOf(a, path)
}

func (md *Model) tensorOf(a *npy.Array, what string) (*importer.Tensor, error) {
	if a.DType != npy.Float32 && a.DType != npy.Float64 {
		return nil, fmt.Errorf("analysis: %s is %v; the model's input %q is float32", what, a.DType, md.Input)
	}
	shape := append([]int{}, a.Shape...)
	if len(shape) == len(md.Shape) {
		shape = append([]int{1}, shape...)
	}
	ok := len(shape) == len(md.Shape)+1 && shape[0] > 0
	for i, d := range md.Shape {
		ok = ok && shape[i+1] == d
	}
	if !ok {
		return nil, fmt.Errorf("analysis: %s has shape %v; the model's input %q takes [batch]+%v", what, a.Shape, md.Input, md.Shape)
	}
	return &importer.Tensor{DType: importer.Float32, Shape: shape, F: a.Float32s()}, nil
}

// checkBatch validates a batch against the model's input: [N]+Shape.
// ErrShape is matched (errors.Is) by every error about inputs whose shape
// or type the model does not take.
var ErrShape = errors.New("analysis: input shape mismatch")

func (md *Model) checkBatch(x *importer.Tensor, what string) error {
	ok := x.DType == importer.Float32 && len(x.Shape) == len(md.Shape)+1 && x.Shape[0] > 0 && len(x.F) == x.Len()
	for i, d := range md.Shape {
		ok = ok && x.Shape[i+1] == d
	}
	if !ok {
		return errkind.Mark(ErrShape, fmt.Errorf("analysis: %s is %v; the model's input %q takes float32 [N]+%v", what, x, md.Input, md.Shape))
	}
	return nil
}

// WriteResult writes t to path (.npy, float32, atomically) and its
// provenance (config, seed, hierlearn version) to path + ".json". On error
// neither file is left behind.
func WriteResult(path string, t *importer.Tensor, config map[string]any) error {
	a, err := npyconv.Array(t)
	if err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	return writeResult(path, a, config)
}

// WriteGram writes a Gram matrix (float64) like WriteResult.
func WriteGram(path string, k kernel.Matrix, config map[string]any) error {
	return writeResult(path, npy.NewFloat64(k.Data, k.Rows, k.Cols), config)
}

func writeResult(path string, arr *npy.Array, config map[string]any) error {
	meta := map[string]any{"config": config, "version": version.Full(), "shape": arr.Shape}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	if err := npy.WriteFile(path, arr); err != nil {
		return fmt.Errorf("analysis: writing %s: %w", path, err)
	}
	if err := atomicfile.WriteBytes(path+".json", append(b, '\n')); err != nil {
		os.Remove(path)
		return fmt.Errorf("analysis: writing %s.json: %w", path, err)
	}
	return nil
}
