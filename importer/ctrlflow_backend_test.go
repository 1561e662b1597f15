package importer

import (
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/internal/testutil"
)

// controlFlowBackendTests are the ONNX 1.22 backend tests of If, Loop and
// Scan (and of functions expanded into them) that must pass.
var controlFlowBackendTests = []string{
	"node/test_if", "node/test_loop11", "node/test_scan9_sum", "node/test_scan_sum",
	"node/test_scan9_scalar", "node/test_scan9_multi_state", "node/test_range_int32_type_negative_delta_expanded",
	"node/test_range_float_type_positive_delta_expanded", "node/test_range_float16_type_positive_delta_expanded",
	"node/test_affine_grid_2d_expanded", "node/test_affine_grid_3d_align_corners_expanded",
	"node/test_linear_attention_gated_delta_expanded", "node/test_linear_attention_prefill_with_past_expanded",
}

// TestControlFlowBackendTests runs the control-flow backend tests on
// their own (TestONNXBackendTests counts them among all the others).
func TestControlFlowBackendTests(t *testing.T) {
	root := testutil.File(t, backendRoot, "the ONNX 1.22 backend test data (../shared/onnx-backend-tests)")
	for _, name := range controlFlowBackendTests {
		t.Run(name, func(t *testing.T) {
			if err := runNodeTest(filepath.Join(root, name)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
