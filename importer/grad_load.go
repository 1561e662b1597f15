package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// LoadOptions changes how a model is simplified at load time.
type LoadOptions struct {
	// NoFold keeps BatchNormalization nodes instead of folding them into
	// the preceding Conv, so that the model's own Conv weights and BN
	// parameters stay initializers of the executed graph: load with it
	// to take gradients with respect to them or to fine-tune them.
	NoFold bool
}

// LoadWith is Load with options.
func LoadWith(path string, opt LoadOptions) (*Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	if st.Size() > maxModelBytes {
		return nil, fmt.Errorf("importer: %s is %d bytes, more than the %d this loader reads", path, st.Size(), int64(maxModelBytes))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	m, err := load(b, filepath.Dir(path), opt)
	if err != nil {
		return nil, fmt.Errorf("importer: %s: %w", path, err)
	}
	return m, nil
}

// LoadBytesWith is LoadBytes with options.
func LoadBytesWith(b []byte, opt LoadOptions) (*Model, error) {
	m, err := load(b, "", opt)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	return m, nil
}

// Initializer returns a copy of a constant of the executed graph (an
// initializer of the file that survived load-time folding), or false.
func (m *Model) Initializer(name string) (*Tensor, bool) {
	t, ok := m.consts[name]
	if !ok {
		return nil, false
	}
	return t.Clone(), true
}

// FloatInitializers lists the float32 initializers of the file that the
// executed graph still reads (not folded away at load time), sorted: the
// candidates for GradSession params.
func (m *Model) FloatInitializers() []string {
	used := map[string]bool{}
	for _, n := range m.nodes {
		for _, in := range n.Inputs {
			used[in] = true
		}
	}
	var out []string
	for name, t := range m.consts {
		if used[name] && t.DType == Float32 && m.inits[name] {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
