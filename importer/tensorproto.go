package importer

import (
	"fmt"
	"os"

	"google.golang.org/protobuf/proto"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// ReadTensorProto reads a file holding one serialized ONNX TensorProto
// (the input_N.pb and output_N.pb files of the ONNX backend tests),
// converted as Load converts initializers; external data is refused.
func ReadTensorProto(path string) (*Tensor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	var tp onnxpb.TensorProto
	if err := proto.Unmarshal(b, &tp); err != nil {
		return nil, fmt.Errorf("importer: %s: decoding TensorProto: %w", path, err)
	}
	t, err := tensorFromProto(&tp, "")
	if err != nil {
		return nil, fmt.Errorf("importer: %s: %w", path, err)
	}
	return t, nil
}
