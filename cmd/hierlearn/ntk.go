package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/importer/analysis"
	"github.com/hierlearn/hierlearn/internal/npy"
	"github.com/hierlearn/hierlearn/train/kernel"
)

func init() { register(newNTKCmd) }

func newNTKCmd() *cobra.Command {
	var (
		model, data, data2, output, params, out, conj string
		target, chunk, maxMB                          int
	)
	cmd := &cobra.Command{
		Use:   "ntk --model m.onnx --data a.npz [--data2 b.npz] [--output NAME] [--params REGEXP] [--target K] -o K.npy",
		Short: "Empirical neural tangent kernel of an imported ONNX model",
		Long: `ntk computes K(x_i, x_j) = sum_o <d f_o(x_i)/d theta, d f_o(x_j)/d theta> for
the examples x of a.npz (member x, [N, ...]; int64 token ids for a model
whose input is token ids, the gradient then flowing to the embedding
tables through Gather) against those of b.npz (or
a.npz again), where theta are the model file's float initializers whose
names match --params (default: all) and o runs over the elements of the
output per example (--target -1, the trace, the default) or is one
element (--target K). Gradients are per example, in blocks of --chunk
examples and output groups sized so that a block of gradients stays
within --max-mb (default 256), so memory stays bounded.
--conjugate NAME computes the conjugate kernel instead: the inner product
of the named intermediate tensor (e.g. the penultimate layer), flattened.
K.npy is [N_a, N_b] float64; K.npy.json holds the configuration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" || data == "" || out == "" {
				return fmt.Errorf("--model, --data and -o are required")
			}
			if chunk < 0 || maxMB < 0 {
				return fmt.Errorf("--chunk %d, --max-mb %d: must be >= 0", chunk, maxMB)
			}
			defer oneBLASThread()()
			m, md, ps, err := loadForGradMatching(model, output, params)
			if err != nil {
				return err
			}
			a, err := rowsOf(md, data)
			if err != nil {
				return err
			}
			b := a
			if data2 != "" {
				if b, err = rowsOf(md, data2); err != nil {
					return err
				}
			}
			var k kernel.Kernel = &analysis.NTK{M: md, Target: target, Chunk: chunk, MaxBytes: maxMB << 20}
			if conj != "" {
				fm, err := analysis.ConjugateMap(m, conj)
				if err != nil {
					return err
				}
				k = kernel.FeatureKernel{Map: fm}
			}
			K := make([]float64, a.Rows*b.Rows)
			if err := k.Gram(a, b, K); err != nil {
				return err
			}
			cfg := map[string]any{"command": "ntk", "model": model, "data": data, "data2": data2, "output": md.Output,
				"params": ps, "target": target, "kernel": fmt.Sprint(k), "conjugate": conj}
			if err := analysis.WriteGram(out, kernel.Matrix{Rows: a.Rows, Cols: b.Rows, Data: K}, cfg); err != nil {
				return err
			}
			if !global.quiet {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s [%d %d] (%s)\n", out, a.Rows, b.Rows, k)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "ONNX model file")
	f.StringVar(&data, "data", "", ".npz with member x [N, ...]")
	f.StringVar(&data2, "data2", "", "second .npz (default: --data)")
	f.StringVar(&output, "output", "", "model output (default: the first)")
	f.StringVar(&params, "params", "", "regular expression selecting the initializers (default: all float initializers)")
	f.IntVar(&target, "target", -1, "output element per example; -1 = trace over all elements")
	f.StringVar(&conj, "conjugate", "", "compute the conjugate kernel of this intermediate tensor instead of the NTK")
	f.IntVar(&chunk, "chunk", 0, "examples per gradient block (0 = automatic)")
	f.IntVar(&maxMB, "max-mb", 0, "bound on one gradient block in MiB (0 = 256)")
	f.StringVarP(&out, "out", "o", "", "output K.npy")
	return cmd
}

// rowsOf reads the x member of an .npz as kernel rows for md: floats,
// or int64 token ids for a model on token ids.
func rowsOf(md *analysis.Model, path string) (kernel.Matrix, error) {
	if md.IDs {
		return idRowsOf(md, path)
	}
	ds, err := concept.LoadExamples(path)
	if err != nil {
		return kernel.Matrix{}, err
	}
	n := ds.N
	if len(ds.X) != n*md.Dim() {
		return kernel.Matrix{}, fmt.Errorf("%s: x has shape %v; the model's input %q takes [N]+%v", path, append([]int{n}, ds.ExampleShape()...), md.Input, md.Shape)
	}
	m := kernel.NewMatrix(n, md.Dim())
	for i, v := range ds.X {
		m.Data[i] = float64(float32(v)) // the model's precision
	}
	return m, nil
}

// idRowsOf reads the int64 member x [N, ...] of an .npz as kernel rows of
// token ids for md.
func idRowsOf(md *analysis.Model, path string) (kernel.Matrix, error) {
	z, err := npy.ReadNPZ(path)
	if err != nil {
		return kernel.Matrix{}, err
	}
	x, err := z.Get("x")
	if err != nil {
		return kernel.Matrix{}, fmt.Errorf("%s: %w", path, err)
	}
	if x.DType != npy.Int64 || len(x.Shape) < 1 || x.Shape[0] == 0 || x.Len() != x.Shape[0]*md.Dim() {
		return kernel.Matrix{}, fmt.Errorf("%s: x is %v%v; the model's input %q takes int64 token ids [N]+%v", path, x.DType, x.Shape, md.Input, md.Shape)
	}
	return kernel.Matrix{Rows: x.Shape[0], Cols: md.Dim(), Data: x.Float64s()}, nil
}
