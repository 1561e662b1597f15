package export

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/hierlearn/hierlearn/dtype"
)

// Bad input is reported with the package's sentinels, which callers test
// with errors.Is (the causes too, where the message wraps one).
func TestErrorsMatchSentinels(t *testing.T) {
	g := NewGraph("bad")
	x := g.Input("x", dtype.Float32, Batch, 2)
	g.Output(g.Node("Add", "y", []string{x, "undefined"}), dtype.Float32, "", Batch, 2)
	_, buildErr := g.Build()
	_, decodeErr := DecodeModel([]byte("not a model"))
	_, runErr := Run(filepath.Join(t.TempDir(), "missing"), 17)
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"undefined node input", buildErr, ErrGraph},
		{"opset 5", CheckOpset(5), ErrOpset},
		{"garbage bytes", decodeErr, ErrNotModel},
		{"missing run directory", runErr, ErrRun},
		{"missing run directory (cause)", runErr, fs.ErrNotExist},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: error %v does not match %v", tc.name, tc.err, tc.want)
		}
	}
}
