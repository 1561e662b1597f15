package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/importer/analysis"
	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/version"
)

func init() { register(newAttackCmd) }

func newAttackCmd() *cobra.Command {
	var (
		model, data, output, method, norm, out, jsonOut string
		eps, alpha, lo, hi                              float64
		steps, batch                                    int
		random                                          bool
		seed                                            uint64
	)
	cmd := &cobra.Command{
		Use:   "attack --model m.onnx --data d.npz --method fgsm|pgd --eps 0.03 [--norm linf|l2] [-o adv.npy]",
		Short: "FGSM/PGD adversarial attacks on an imported ONNX classifier; accuracy under attack",
		Long: `attack perturbs every example of d.npz (members x [N, ...] and y, int64
labels [N]) within an L-inf (default) or L2 ball of radius --eps to raise
the cross-entropy of the model's logits, by FGSM (one step of size eps)
or PGD (--steps projected steps of --alpha, default 2.5 eps / steps,
optionally from a --random start), clipping inputs to [--min, --max] when
min < max, and prints accuracy before and under attack. -o writes the
perturbed inputs (.npy), --json the result.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" || data == "" {
				return fmt.Errorf("--model and --data are required")
			}
			if method != "fgsm" && method != "pgd" {
				return fmt.Errorf("--method %q: want fgsm or pgd", method)
			}
			if norm != "linf" && norm != "l2" {
				return fmt.Errorf("--norm %q: want linf or l2", norm)
			}
			if !(eps >= 0) {
				return fmt.Errorf("--eps %v: must be >= 0", eps)
			}
			defer oneBLASThread()()
			_, md, err := loadForGrad(model, output, nil)
			if err != nil {
				return err
			}
			ds, err := concept.LoadExamples(data)
			if err != nil {
				return err
			}
			if ds.Labels == nil {
				return fmt.Errorf("%s: needs integer labels y (int64, [N])", data)
			}
			res, err := md.Attack(analysis.Inputs(ds), ds.Labels, analysis.AttackOptions{Method: method, Norm: norm, Eps: eps, Steps: steps,
				Alpha: alpha, Random: random, Min: lo, Max: hi, Batch: batch, Seed: seed})
			if err != nil {
				return err
			}
			cfg := map[string]any{"command": "attack", "model": model, "data": data, "output": md.Output, "method": method,
				"norm": norm, "eps": eps, "steps": res.Steps, "alpha": alpha, "random": random, "min": lo, "max": hi, "seed": seed}
			if out != "" {
				if err := analysis.WriteResult(out, res.Adversarial, cfg); err != nil {
					return err
				}
			}
			if jsonOut != "" {
				b, err := json.MarshalIndent(map[string]any{"config": cfg, "version": version.Full(), "n": res.N,
					"clean_accuracy": res.CleanAcc, "attack_accuracy": res.AttackAcc}, "", "  ")
				if err != nil {
					return err
				}
				if err := atomicfile.WriteBytes(jsonOut, append(b, '\n')); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s eps %g (%d steps) on %d examples: accuracy %.4f clean, %.4f under attack\n",
				method, norm, eps, res.Steps, res.N, res.CleanAcc, res.AttackAcc)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "ONNX model file")
	f.StringVar(&data, "data", "", ".npz with x [N, ...] and int64 labels y [N]")
	f.StringVar(&output, "output", "", "model output holding the logits (default: the first)")
	f.StringVar(&method, "method", "fgsm", "fgsm or pgd")
	f.StringVar(&norm, "norm", "linf", "linf or l2")
	f.Float64Var(&eps, "eps", 0.03, "radius of the ball")
	f.IntVar(&steps, "steps", 10, "PGD steps")
	f.Float64Var(&alpha, "alpha", 0, "PGD step size (0 = 2.5 eps / steps)")
	f.BoolVar(&random, "random", false, "PGD: random start in the ball")
	f.Float64Var(&lo, "min", 0, "clip inputs to [min, max] when min < max")
	f.Float64Var(&hi, "max", 0, "clip inputs to [min, max] when min < max")
	f.IntVar(&batch, "batch", 64, "examples per pass")
	f.Uint64Var(&seed, "seed", 0, "random start seed")
	f.StringVarP(&out, "out", "o", "", "write the perturbed inputs to this .npy")
	f.StringVar(&jsonOut, "json", "", "write the result as JSON here")
	return cmd
}
