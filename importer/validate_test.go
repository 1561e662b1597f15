package importer

import (
	"errors"
	"slices"
	"testing"

	"github.com/hierlearn/hierlearn/internal/onnxpb"
)

// TestValidateLargerProbe: a 1-D convolution without padding (kernel 3)
// over a dynamic length cannot plan at length 1, the first size load-time
// validation tries; it loads (planned at a larger probe), runs at length 5
// and refuses length 2 at run time with ErrShape.
func TestValidateLargerProbe(t *testing.T) {
	b := model(13, []*onnxpb.NodeProto{node("Conv", []string{"x", "w"}, []string{"y"})},
		[]*onnxpb.TensorProto{floatInit("w", []float32{1, 2, 3}, 1, 1, 3)},
		[]*onnxpb.ValueInfoProto{vinfo("x", tf, 1, 1, -1)}, []*onnxpb.ValueInfoProto{vinfo("y", tf, 1, 1, -1)})
	m, err := LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSession(m)
	x, _ := NewFloat32([]float32{1, 2, 3, 4, 5}, 1, 1, 5)
	got, err := s.Run(map[string]*Tensor{"x": x})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{14, 20, 26}; !slices.Equal(got["y"].F, want) {
		t.Errorf("y = %v, want %v", got["y"].F, want)
	}
	x, _ = NewFloat32([]float32{1, 2}, 1, 1, 2)
	if _, err := s.Run(map[string]*Tensor{"x": x}); !errors.Is(err, ErrShape) {
		t.Errorf("length 2: got %v, want ErrShape", err)
	} else {
		t.Log(err)
	}
}
