package analysis

import (
	"fmt"
	"math"
	"regexp"
	"runtime"
	"sync"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/train/kernel"
)

// Model is an imported model prepared for gradients.
type Model struct {
	GS     *importer.GradSession
	Input  string // the model's one input
	Shape  []int  // per-example input shape (the batch dim removed)
	Output string // the output differentiated
	// IDs: the input holds int64 token ids, carried in rows and batches
	// as whole float values and converted on the way in; it has no
	// gradient (params do: through Gather, the embeddings).
	IDs bool

	// fixedBatch is the batch the model's input is fixed at (an export
	// without a dynamic axis), 0 when it is dynamic. Batches of another
	// size run as consecutive chunks of fixedBatch examples: for a batch
	// of 1 one example at a time, for a larger one as the model itself
	// groups them (per-example results then hold only where the model
	// keeps the examples of its batch apart, which it cannot promise).
	fixedBatch int
}

// New prepares m: output "" is the first graph output; params are the
// initializers to differentiate (see SelectParams).
func New(m *importer.Model, output string, params []string) (*Model, error) {
	if len(m.Inputs) != 1 {
		return nil, fmt.Errorf("analysis: the model has %d inputs; one input (float32, or int64 token ids) is supported", len(m.Inputs))
	}
	vi := m.Inputs[0]
	if vi.DType != importer.Float32 && vi.DType != importer.Int64 || len(vi.Shape) < 1 {
		return nil, fmt.Errorf("analysis: input %q is %v of shape %v; want a float32 or int64 input with a batch dim", vi.Name, vi.DType, vi.Shape)
	}
	for _, d := range vi.Shape[1:] {
		if d < 0 {
			return nil, fmt.Errorf("analysis: input %q has symbolic dims beyond the batch: %v", vi.Name, vi.Shape)
		}
	}
	if output == "" {
		output = m.Outputs[0].Name
	}
	found := false
	for _, o := range m.Outputs {
		found = found || o.Name == output
	}
	if !found {
		return nil, fmt.Errorf("analysis: the model has no output %q", output)
	}
	gs, err := importer.NewGradSession(m, params...)
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	return &Model{GS: gs, Input: vi.Name, Shape: append([]int{}, vi.Shape[1:]...), Output: output,
		IDs: vi.DType == importer.Int64, fixedBatch: max(vi.Shape[0], 0)}, nil
}

// SelectParams returns the float32 initializers of m whose names match
// the regular expression pattern ("" matches all), sorted.
func SelectParams(m *importer.Model, pattern string) ([]string, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("analysis: params pattern: %w", err)
	}
	var out []string
	for _, n := range m.FloatInitializers() {
		if re.MatchString(n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("analysis: no float initializer of the model matches %q (have %v)", pattern, m.FloatInitializers())
	}
	return out, nil
}

// Dim is the number of elements of one example.
func (md *Model) Dim() int { return prod(md.Shape) }

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// batch wraps n flattened examples as the model's input (token ids
// converted to int64).
func (md *Model) batch(x []float32, n int) *importer.Tensor {
	shape := append([]int{n}, md.Shape...)
	if md.IDs {
		ids := make([]int64, len(x))
		for i, v := range x {
			ids[i] = int64(v)
		}
		return &importer.Tensor{DType: importer.Int64, Shape: shape, I: ids}
	}
	return &importer.Tensor{DType: importer.Float32, Shape: shape, F: x}
}

// chunks splits the batch x into the model's fixed batch (views): x
// itself when the batch is dynamic or x has exactly that many examples.
func (md *Model) chunks(x *importer.Tensor) ([]*importer.Tensor, error) {
	n, b := x.Shape[0], md.fixedBatch
	if b == 0 || n == b {
		return []*importer.Tensor{x}, nil
	}
	if n%b != 0 {
		return nil, fmt.Errorf("analysis: the model's input %q has its batch fixed at %d; %d examples do not divide into batches of %d", md.Input, b, n, b)
	}
	d := md.Dim()
	var out []*importer.Tensor
	for i := 0; i < n; i += b {
		c := &importer.Tensor{DType: x.DType, Shape: append([]int{b}, md.Shape...)}
		if x.DType == importer.Int64 {
			c.I = x.I[i*d : (i+b)*d]
		} else {
			c.F = x.F[i*d : (i+b)*d]
		}
		out = append(out, c)
	}
	return out, nil
}

// concat stacks batches along axis 0.
func concat(ts []*importer.Tensor) *importer.Tensor {
	out := &importer.Tensor{DType: importer.Float32, Shape: append([]int{0}, ts[0].Shape[1:]...)}
	for _, t := range ts {
		out.Shape[0] += t.Shape[0]
		out.F = append(out.F, t.F...)
	}
	return out
}

// Rows converts float64 rows (kernel.Matrix) to a batch of the model's
// input: float32, or int64 token ids (which rows must hold as whole
// numbers).
func (md *Model) Rows(x kernel.Matrix) (*importer.Tensor, error) {
	f, err := md.floats(x)
	if err != nil {
		return nil, err
	}
	return md.batch(f, x.Rows), nil
}

// floats converts rows to float32, checking their width (and that token
// ids are whole numbers).
func (md *Model) floats(x kernel.Matrix) ([]float32, error) {
	if x.Cols != md.Dim() {
		return nil, fmt.Errorf("analysis: rows have %d values, the model's input %q takes %v = %d per example", x.Cols, md.Input, md.Shape, md.Dim())
	}
	f := make([]float32, len(x.Data))
	for i, v := range x.Data {
		f[i] = float32(v)
		if md.IDs && (v != math.Trunc(v) || math.Abs(v) > maxExactID) {
			return nil, fmt.Errorf("analysis: input %q takes integer token ids, but row %d holds %g", md.Input, i/x.Cols, v)
		}
	}
	return f, nil
}

// maxExactID bounds the token ids that rows carry (float32 holds every
// integer up to 2^24 exactly).
const maxExactID = 1 << 24

// Forward runs a batch and returns the tape and the output (n x outDim).
func (md *Model) Forward(x *importer.Tensor) (*importer.Tape, *importer.Tensor, error) {
	tape, err := md.GS.Forward(map[string]*importer.Tensor{md.Input: x})
	if err != nil {
		return nil, nil, fmt.Errorf("analysis: %w", err)
	}
	y, err := tape.Output(md.Output)
	if err != nil {
		return nil, nil, fmt.Errorf("analysis: %w", err)
	}
	if len(y.Shape) == 0 || y.Shape[0] != x.Shape[0] {
		return nil, nil, fmt.Errorf("analysis: output %q has shape %v for a batch of %d; want the batch first", md.Output, y.Shape, x.Shape[0])
	}
	return tape, y, nil
}

// Predict returns the outputs of a batch, n x outDim flattened.
func (md *Model) Predict(x *importer.Tensor) (*importer.Tensor, error) {
	if cs, err := md.chunks(x); err != nil || len(cs) > 1 {
		if err != nil {
			return nil, err
		}
		var ys []*importer.Tensor
		for _, c := range cs {
			y, err := md.Predict(c)
			if err != nil {
				return nil, err
			}
			ys = append(ys, y)
		}
		return concat(ys), nil
	}
	tape, y, err := md.Forward(x)
	if err != nil {
		return nil, err
	}
	tape.Release()
	return y, nil
}

// InputGrad returns, for every example of the batch x, the gradient of
// seed·output with respect to its input, where seed(i, y_i) gives the
// per-example output weights (len = output elements per example), and the
// outputs themselves. For a model whose batch is fixed above 1 the
// gradient is that of the seeded outputs of the whole fixed batch: each
// example's own only where the model keeps its examples apart.
func (md *Model) InputGrad(x *importer.Tensor, seed func(i int, y []float32) []float32) (*importer.Tensor, *importer.Tensor, error) {
	if md.IDs {
		return nil, nil, fmt.Errorf("analysis: input %q holds integer token ids: %w", md.Input, importer.ErrNoGradient)
	}
	if cs, err := md.chunks(x); err != nil || len(cs) > 1 {
		if err != nil {
			return nil, nil, err
		}
		var gs, ys []*importer.Tensor
		for k, c := range cs {
			i0 := k * c.Shape[0]
			g, y, err := md.InputGrad(c, func(i int, y []float32) []float32 { return seed(i0+i, y) })
			if err != nil {
				return nil, nil, err
			}
			gs, ys = append(gs, g), append(ys, y)
		}
		return concat(gs), concat(ys), nil
	}
	tape, y, err := md.Forward(x)
	if err != nil {
		return nil, nil, err
	}
	n := x.Shape[0]
	per := len(y.F) / n
	s := &importer.Tensor{DType: importer.Float32, Shape: y.Shape, F: make([]float32, len(y.F))}
	for i := 0; i < n; i++ {
		copy(s.F[i*per:(i+1)*per], seed(i, y.F[i*per:(i+1)*per]))
	}
	g, err := tape.Backward(map[string]*importer.Tensor{md.Output: s})
	tape.Release()
	if err != nil {
		return nil, nil, fmt.Errorf("analysis: %w", err)
	}
	return g.Inputs[md.Input], y, nil
}

// OneHot is the seed of output element k (k < 0: the argmax).
func OneHot(k int) func(i int, y []float32) []float32 {
	return func(_ int, y []float32) []float32 {
		s := make([]float32, len(y))
		j := k
		if j < 0 {
			j = argmax(y)
		}
		if j < len(s) {
			s[j] = 1
		}
		return s
	}
}

func argmax(y []float32) int {
	best := 0
	for i, v := range y {
		if v > y[best] {
			best = i
		}
	}
	return best
}

// NumParams is the number of param elements (the length of a gradient).
func (md *Model) NumParams() int {
	var P int
	for _, p := range md.GS.Params() {
		P += md.GS.Param(p).Len()
	}
	return P
}

// OutputSize is the number of output elements per example.
func (md *Model) OutputSize() (int, error) {
	b := max(md.fixedBatch, 1)
	y, err := md.Predict(md.batch(make([]float32, b*md.Dim()), b))
	if err != nil {
		return 0, err
	}
	return len(y.F) / b, nil
}

// ParamGrads returns the gradients of output elements outs of every
// example (row of x) with respect to the params, flattened in
// GS.Params() order: row i*len(outs)+k holds d f_outs[k](x_i) / d theta.
// Examples run at batch 1, split over GOMAXPROCS goroutines.
func (md *Model) ParamGrads(x kernel.Matrix, outs []int) (kernel.Matrix, error) {
	if md.fixedBatch > 1 {
		return kernel.Matrix{}, fmt.Errorf("analysis: per-example parameter gradients need a model whose batch is dynamic or 1; input %q has its batch fixed at %d", md.Input, md.fixedBatch)
	}
	xs, err := md.floats(x)
	if err != nil {
		return kernel.Matrix{}, err
	}
	d, P := md.Dim(), md.NumParams()
	if P == 0 {
		return kernel.Matrix{}, fmt.Errorf("analysis: no params to differentiate")
	}
	O, err := md.OutputSize()
	if err != nil {
		return kernel.Matrix{}, err
	}
	for _, o := range outs {
		if o < 0 || o >= O {
			return kernel.Matrix{}, fmt.Errorf("analysis: output element %d, but output %q has %d elements per example", o, md.Output, O)
		}
	}
	g := kernel.NewMatrix(x.Rows*len(outs), P)
	workers := min(runtime.GOMAXPROCS(0), x.Rows)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < x.Rows; i += workers {
				if errs[w] = md.exampleGrads(xs[i*d:(i+1)*d], outs, g, i*len(outs)); errs[w] != nil {
					return
				}
			}
		}(w)
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return kernel.Matrix{}, fmt.Errorf("analysis: %w", e)
		}
	}
	return g, nil
}

// exampleGrads writes the param gradients of outputs outs of one example
// into rows row0, row0+1, ... of g (one forward, one backward per output).
func (md *Model) exampleGrads(x []float32, outs []int, g kernel.Matrix, row0 int) error {
	tape, y, err := md.Forward(md.batch(x, 1))
	if err != nil {
		return err
	}
	defer tape.Release()
	for k, o := range outs {
		s := &importer.Tensor{DType: importer.Float32, Shape: y.Shape, F: make([]float32, len(y.F))}
		s.F[o] = 1
		gr, err := tape.Backward(map[string]*importer.Tensor{md.Output: s})
		if err != nil {
			return err
		}
		row := g.Row(row0 + k)
		j := 0
		for _, p := range md.GS.Params() {
			for _, v := range gr.Params[p].F {
				row[j] = float64(v)
				j++
			}
		}
	}
	return nil
}

// Trace as a target sums the kernel over all output elements.
const Trace = -1
