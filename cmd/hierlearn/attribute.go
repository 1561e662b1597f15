package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/importer/analysis"
)

func init() { register(newAttributeCmd) }

func newAttributeCmd() *cobra.Command {
	var (
		model, input, output, method, baseline, out string
		target, steps, samples                      int
		noise                                       float64
		seed                                        uint64
	)
	cmd := &cobra.Command{
		Use:   "attribute --model m.onnx --input x.npy --method saliency|gxi|ig|smoothgrad|occlusion [--target CLASS] -o a.npy",
		Short: "Input attributions of an imported ONNX model (saliency, gradient x input, integrated gradients, SmoothGrad, occlusion)",
		Long: `attribute explains one output element per example (--target CLASS; -1,
the default, explains each example's argmax) of the batch in x.npy:
  saliency    |d f / d x|
  gxi         x * d f / d x
  ig          integrated gradients from --baseline (default zeros) with
              --steps midpoint steps (64); the attributions of an example
              sum to f(x) - f(baseline) (printed as a check)
  smoothgrad  mean gradient over --samples (32) inputs with Gaussian
              noise of std --noise (0.15) times the example's range
  occlusion   f(x) - f(x with the element set to 0), one forward pass
              per element and example (needs --target >= 0)
a.npy has x's shape; a.npy.json holds the configuration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" || input == "" || out == "" {
				return fmt.Errorf("--model, --input and -o are required")
			}
			if !validMethod(method) && method != "occlusion" {
				return fmt.Errorf("--method %q: want one of %s or occlusion", method, strings.Join(analysis.Methods, ", "))
			}
			if method == "occlusion" && target < 0 {
				return fmt.Errorf("--method occlusion needs --target >= 0 (an output element)")
			}
			defer oneBLASThread()()
			_, md, err := loadForGrad(model, output, nil)
			if err != nil {
				return err
			}
			x, err := md.ReadInput(input)
			if err != nil {
				return err
			}
			opt := analysis.AttrOptions{Method: method, Target: target, Steps: steps, Samples: samples, Noise: noise, Seed: seed}
			if baseline != "" {
				b, err := md.ReadInput(baseline)
				if err != nil {
					return err
				}
				if b.Shape[0] != 1 {
					return fmt.Errorf("--baseline: want one example, got %v", b.Shape)
				}
				opt.Baseline = b
			}
			var a *importer.Tensor
			if method == "occlusion" {
				as, err := md.Occlusion(x, analysis.OcclusionOptions{Targets: []int{target}})
				if err != nil {
					return err
				}
				a = as[0]
			} else if a, err = md.Attribute(x, opt); err != nil {
				return err
			}
			cfg := map[string]any{"command": "attribute", "model": model, "input": input, "output": md.Output, "method": method,
				"target": target, "steps": steps, "samples": samples, "noise": noise, "seed": seed, "baseline": baseline}
			if err := analysis.WriteResult(out, a, cfg); err != nil {
				return err
			}
			if global.quiet {
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s %v (%s)\n", out, a.Shape, method)
			if method == "ig" {
				sums, diffs, err := md.Completeness(x, a, opt.Baseline, target)
				if err != nil {
					return err
				}
				for i := range sums {
					fmt.Fprintf(cmd.OutOrStdout(), "example %d: sum of attributions %.6g, f(x) - f(baseline) %.6g\n", i, sums[i], diffs[i])
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "ONNX model file")
	f.StringVar(&input, "input", "", "input batch .npy ([N, ...] or one example)")
	f.StringVar(&output, "output", "", "model output (default: the first)")
	f.StringVar(&method, "method", "saliency", "saliency, gxi, ig, smoothgrad or occlusion")
	f.IntVar(&target, "target", -1, "output element (class) explained; -1 = each example's argmax")
	f.IntVar(&steps, "steps", 64, "integrated gradients: steps")
	f.StringVar(&baseline, "baseline", "", "integrated gradients: baseline .npy (one example; default zeros)")
	f.IntVar(&samples, "samples", 32, "SmoothGrad: samples")
	f.Float64Var(&noise, "noise", 0.15, "SmoothGrad: noise std as a fraction of the input range")
	f.Uint64Var(&seed, "seed", 0, "SmoothGrad: noise seed")
	f.StringVarP(&out, "out", "o", "", "output .npy")
	return cmd
}

func validMethod(m string) bool {
	for _, v := range analysis.Methods {
		if v == m {
			return true
		}
	}
	return false
}
