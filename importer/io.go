package importer

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hierlearn/hierlearn/internal/npy"
)

// ReadInputs reads .npy files for the model's inputs. Each spec is either
// FILE.npy (allowed when exactly one input is not yet given: it feeds the
// first such input) or NAME=FILE.npy. Arrays are cast to the input's
// element type.
func ReadInputs(m *Model, specs []string) (map[string]*Tensor, error) {
	in := map[string]*Tensor{}
	for _, spec := range specs {
		name, path, ok := strings.Cut(spec, "=")
		if !ok {
			path, name = spec, ""
			for _, vi := range m.Inputs {
				if _, done := in[vi.Name]; !done {
					name = vi.Name
					break
				}
			}
			if name == "" {
				return nil, fmt.Errorf("--input %s: every model input is already given", spec)
			}
		}
		vi, ok := m.Input(name)
		if !ok {
			return nil, fmt.Errorf("--input %s: the model has no input %q (inputs: %s)", spec, name, inputNames(m))
		}
		a, err := npy.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--input %s: %w", spec, err)
		}
		t, err := fromNPY(a, vi.DType)
		if err != nil {
			return nil, fmt.Errorf("--input %s: %w", spec, err)
		}
		in[name] = t
	}
	for _, vi := range m.Inputs {
		if _, ok := in[vi.Name]; !ok {
			return nil, fmt.Errorf("no data for model input %q (inputs: %s)", vi.Name, inputNames(m))
		}
	}
	return in, nil
}

func inputNames(m *Model) string {
	var s []string
	for _, vi := range m.Inputs {
		s = append(s, fmt.Sprintf("%s %v%v", vi.Name, vi.DType, vi.Shape))
	}
	return strings.Join(s, ", ")
}

// RandomInputs draws seeded inputs: float inputs standard normal; integer
// inputs whose name holds "mask" one (an attention mask that masks
// nothing: an all-zero one makes a transformer's softmax NaN), other
// integer inputs 0 or 1 at random (valid token and segment ids for any
// table); symbolic dims are set to batch.
func RandomInputs(m *Model, batch int, seed uint64) (map[string]*Tensor, error) {
	r := rand.New(rand.NewPCG(seed, 0x1badb002))
	in := map[string]*Tensor{}
	for _, vi := range m.Inputs {
		if vi.Shape == nil {
			return nil, fmt.Errorf("input %q has unknown rank: give it with --input", vi.Name)
		}
		shape := make([]int, len(vi.Shape))
		for i, d := range vi.Shape {
			shape[i] = d
			if d < 0 {
				shape[i] = batch
			}
		}
		t := newTensor(vi.DType, shape)
		for i := range t.F {
			t.F[i] = float32(r.NormFloat64())
		}
		mask := strings.Contains(strings.ToLower(vi.Name), "mask")
		for i := range t.I {
			if mask {
				t.I[i] = 1
			} else {
				t.I[i] = int64(r.IntN(2))
			}
		}
		in[vi.Name] = t
	}
	return in, nil
}

// RunBatched runs the inputs through s in chunks of at most batch rows
// along axis 0 (every input must have the same leading dim) and
// concatenates the outputs. batch <= 0 runs everything at once, whatever
// the inputs' shapes.
func RunBatched(s *Session, in map[string]*Tensor, batch int) (map[string]*Tensor, error) {
	if batch <= 0 {
		return s.Run(in) // inputs need not share a leading dimension
	}
	n := -1
	for name, t := range in {
		if len(t.Shape) == 0 {
			return s.Run(in)
		}
		if n >= 0 && t.Shape[0] != n {
			return nil, fmt.Errorf("--batch: input %q has %d rows, another has %d", name, t.Shape[0], n)
		}
		n = t.Shape[0]
	}
	if batch <= 0 || n <= batch {
		return s.Run(in)
	}
	var parts []map[string]*Tensor
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		chunk := map[string]*Tensor{}
		for name, t := range in {
			chunk[name] = t.rows(lo, hi)
		}
		out, err := s.Run(chunk)
		if err != nil {
			return nil, fmt.Errorf("rows %d..%d: %w", lo, hi, err)
		}
		parts = append(parts, out)
	}
	res := map[string]*Tensor{}
	for name := range parts[0] {
		var ts []*Tensor
		for _, p := range parts {
			ts = append(ts, p[name])
		}
		c, err := concatRows(ts)
		if err != nil {
			return nil, fmt.Errorf("output %q: %w", name, err)
		}
		res[name] = c
	}
	return res, nil
}

func (t *Tensor) rows(lo, hi int) *Tensor {
	per := numel(t.Shape[1:])
	c := &Tensor{DType: t.DType, Shape: append([]int{hi - lo}, t.Shape[1:]...)}
	if t.DType == Float32 {
		c.F = t.F[lo*per : hi*per]
	} else {
		c.I = t.I[lo*per : hi*per]
	}
	return c
}

func concatRows(ts []*Tensor) (*Tensor, error) {
	first := ts[0]
	if len(first.Shape) == 0 {
		return nil, fmt.Errorf("scalar output cannot be batched")
	}
	out := &Tensor{DType: first.DType, Shape: append([]int{0}, first.Shape[1:]...)}
	for _, t := range ts {
		if !sameShape(t.Shape[1:], first.Shape[1:]) {
			return nil, fmt.Errorf("chunks have shapes %v and %v", first.Shape, t.Shape)
		}
		out.Shape[0] += t.Shape[0]
		out.F = append(out.F, t.F...)
		out.I = append(out.I, t.I...)
	}
	return out, nil
}

// WriteOutputs writes outputs as .npy: to path if it names a file (the
// model must then have one output), or one NAME.npy per output into path
// if it ends with a slash or is a directory. Files are written atomically.
func WriteOutputs(m *Model, outs map[string]*Tensor, path string) ([]string, error) {
	st, err := os.Stat(path)
	isDir := strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator)) || (err == nil && st.IsDir())
	var written []string
	if !isDir {
		if len(m.Outputs) != 1 {
			return nil, fmt.Errorf("-o %s: the model has %d outputs; give a directory (-o dir/)", path, len(m.Outputs))
		}
		if err := npy.WriteFile(path, outs[m.Outputs[0].Name].toNPY()); err != nil {
			return nil, err
		}
		return []string{path}, nil
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(outs))
	for name := range outs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(path, safeFileName(name)+".npy")
		if err := npy.WriteFile(p, outs[name].toNPY()); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	return written, nil
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, s)
}
