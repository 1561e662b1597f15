package export

import (
	"encoding/json"
	"fmt"

	"github.com/hierlearn/hierlearn/concept/lagfield"
	"github.com/hierlearn/hierlearn/dtype"
	"github.com/hierlearn/hierlearn/internal/version"
)

// LagField builds the ONNX graph of a lagfield target (concept/lagfield)
// without its noise: input x [N, C*L, H, W] (float32), outputs u [N, 1,
// H, W], the linear field (one Conv with the true weights as its kernel,
// padding R: the zero padding of the definition), and y = u + beta
// tanh(u). On a dataset's x it reproduces the dataset's y up to the noise
// term (exactly, with Noise 0) and float32 rounding. The spec and the
// hierlearn version are in the metadata.
func LagField(s lagfield.Spec, opset int) (*Model, error) {
	if err := CheckOpset(opset); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("export lagfield: %w", err)
	}
	g := NewGraph("lagfield")
	g.SetOpset(opset)
	g.SetDoc("hierlearn lagfield target without noise: u = conv(x, true weights) / s, y = u + beta tanh(u)")
	spec, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("export lagfield: %w", err)
	}
	g.SetMetadata("source", "lagfield")
	g.SetMetadata("lagfield_spec", string(spec))
	g.SetMetadata("hierlearn_version", version.Full())
	cin, side, R := int64(s.Channels*s.Lags), int64(2*s.Radius+1), int64(s.Radius)
	x := g.Input("x", dtype.Float32, Batch, cin, int64(s.H), int64(s.W))
	w := Initializer(g, "weights", f32(s.Weights()), 1, cin, side, side)
	u := g.Node("Conv", "u", []string{x, w}, Ints("pads", R, R, R, R), Ints("kernel_shape", side, side),
		Doc("u(p) = sum over channel c, lag l and offset o of w(c, l, o) x_c(t-l, p+o)"))
	th := g.Node("Tanh", "tanh_u", []string{u})
	bt := g.Node("Mul", "beta_tanh_u", []string{th, scalar(g, "beta", s.Beta)})
	g.Node("Add", "y", []string{u, bt}, Doc("y = u + beta tanh(u), the target without its noise"))
	g.Output("u", dtype.Float32, "the linear field", Batch, 1, int64(s.H), int64(s.W))
	g.Output("y", dtype.Float32, "the target field without noise", Batch, 1, int64(s.H), int64(s.W))
	return g.Build()
}
