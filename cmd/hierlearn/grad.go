package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/importer/analysis"
	"github.com/hierlearn/hierlearn/internal/numeric"
)

func init() { register(newGradCmd) }

// loadForGrad loads a model for gradients: with BatchNormalization kept
// (LoadOptions.NoFold) so that the file's own initializers are params.
func loadForGrad(path, output string, params []string) (*importer.Model, *analysis.Model, error) {
	m, err := importer.LoadWith(path, importer.LoadOptions{NoFold: true})
	if err != nil {
		return nil, nil, err
	}
	md, err := analysis.New(m, output, params)
	if err != nil {
		return nil, nil, err
	}
	return m, md, nil
}

// loadForGradMatching is loadForGrad with the parameters chosen by a
// regular expression over the initializer names (analysis.SelectParams);
// it also returns the names chosen.
func loadForGradMatching(path, output, pattern string) (*importer.Model, *analysis.Model, []string, error) {
	m, err := importer.LoadWith(path, importer.LoadOptions{NoFold: true})
	if err != nil {
		return nil, nil, nil, err
	}
	ps, err := analysis.SelectParams(m, pattern)
	if err != nil {
		return nil, nil, nil, err
	}
	md, err := analysis.New(m, output, ps)
	if err != nil {
		return nil, nil, nil, err
	}
	return m, md, ps, nil
}

// oneBLASThread runs OpenBLAS single-threaded (the importer runs its own
// goroutines) and returns the restore function.
func oneBLASThread() func() {
	numeric.SetBLASThreads(1)
	return func() { numeric.SetBLASThreads(runtime.GOMAXPROCS(0)) }
}

func newGradCmd() *cobra.Command {
	var (
		model, input, output, wrt, out string
		target                         int
	)
	cmd := &cobra.Command{
		Use:   "grad --model m.onnx --input x.npy [--output NAME] [--wrt input|INITIALIZER] [--target K] -o g.npy",
		Short: "Gradient of an imported ONNX model's output with respect to its input or an initializer",
		Long: `grad differentiates the scalar sum of an output's elements (--target -1,
the default) or the sum over the batch of one element per example
(--target K, e.g. a class logit) with respect to the input (one gradient
per example, the input's shape) or to an initializer of the model file
(--wrt NAME: summed over the batch, the initializer's shape).
BatchNormalization is kept unfolded so that the file's own Conv and BN
initializers can be named. x.npy holds a batch [N, ...] or one example.
The .npy is written atomically, with its configuration and version in
g.npy.json.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" || input == "" || out == "" {
				return fmt.Errorf("--model, --input and -o are required")
			}
			defer oneBLASThread()()
			var params []string
			if wrt != "input" {
				params = []string{wrt}
			}
			_, md, err := loadForGrad(model, output, params)
			if err != nil {
				return err
			}
			x, err := md.ReadInput(input)
			if err != nil {
				return err
			}
			g, err := md.Grad(x, wrt, target)
			if err != nil {
				return err
			}
			cfg := map[string]any{"command": "grad", "model": model, "input": input, "output": md.Output, "wrt": wrt, "target": target}
			if err := analysis.WriteResult(out, g, cfg); err != nil {
				return err
			}
			if !global.quiet {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s %v (d sum(%s%s) / d %s)\n", out, g.Shape, md.Output, targetStr(target), wrt)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "ONNX model file")
	f.StringVar(&input, "input", "", "input batch .npy ([N, ...] or one example)")
	f.StringVar(&output, "output", "", "model output to differentiate (default: the first)")
	f.StringVar(&wrt, "wrt", "input", `"input" or the name of a float initializer`)
	f.IntVar(&target, "target", -1, "output element per example (e.g. class); -1 = sum of all elements")
	f.StringVarP(&out, "out", "o", "", "output .npy")
	return cmd
}

func targetStr(t int) string {
	if t < 0 {
		return ""
	}
	return fmt.Sprintf("[:, %d]", t)
}
