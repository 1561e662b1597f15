package importer

import (
	"fmt"
	"sort"
	"strings"
)

// The graph queries staged training needs (importer/analysis's
// StagedFit): which nodes a name prefix covers, which initializers they
// read, which tensor a block ends in, and which initializers an output
// depends on.

// MatchPrefix reports whether the node name lies under prefix: the name
// (its leading "/" dropped, as torch.onnx writes scoped names like
// "/layer1/layer1.0/conv1/Conv") equals prefix or continues it after a
// "/" or ".", so that "layer1" covers "layer1.0.conv1" and
// "/layer1/layer1.0/conv1/Conv" but not "layer10".
func MatchPrefix(name, prefix string) bool {
	name = strings.TrimPrefix(name, "/")
	prefix = strings.TrimPrefix(prefix, "/")
	if prefix == "" || !strings.HasPrefix(name, prefix) {
		return false
	}
	rest := name[len(prefix):]
	return rest == "" || rest[0] == '/' || rest[0] == '.'
}

// NodeNames lists the names of the executed graph's nodes (after load-time
// simplification), in topological order; op "" lists every node, else
// only nodes of that operator.
func (m *Model) NodeNames(op string) []string {
	var out []string
	for _, n := range m.nodes {
		if op == "" || n.Op == op {
			out = append(out, n.Name)
		}
	}
	return out
}

// PrefixInitializers lists the file's float32 initializers read by the
// executed graph's nodes under prefix (MatchPrefix), sorted. An
// initializer read by nodes under two prefixes is listed for both.
func (m *Model) PrefixInitializers(prefix string) []string {
	seen := map[string]bool{}
	for _, n := range m.nodes {
		if !MatchPrefix(n.Name, prefix) {
			continue
		}
		for _, in := range n.Inputs {
			if t, ok := m.consts[in]; ok && m.inits[in] && t.DType == Float32 {
				seen[in] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// PrefixOutput is the tensor a block ends in: the first output of the
// last node (in topological order) under prefix. An error names the
// prefix when no node lies under it.
func (m *Model) PrefixOutput(prefix string) (string, error) {
	last := ""
	for _, n := range m.nodes {
		if MatchPrefix(n.Name, prefix) && len(n.Outputs) > 0 {
			last = n.Outputs[0]
		}
	}
	if last == "" {
		return "", fmt.Errorf("importer: no node of the graph is named under the prefix %q", prefix)
	}
	return last, nil
}

// InitializersFeeding lists the file's float32 initializers that the
// value name (a graph output, say) depends on, sorted; an error when no
// node computes it.
func (m *Model) InitializersFeeding(name string) ([]string, error) {
	prod := m.producers()
	if prod[name] == nil {
		return nil, fmt.Errorf("importer: no node of the graph computes %q", name)
	}
	seen, inits := map[string]bool{}, map[string]bool{}
	stack := []string{name}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[v] {
			continue
		}
		seen[v] = true
		if t, ok := m.consts[v]; ok && m.inits[v] && t.DType == Float32 {
			inits[v] = true
		}
		if p := prod[v]; p != nil {
			stack = append(stack, p.Inputs...)
		}
	}
	out := make([]string, 0, len(inits))
	for k := range inits {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}
