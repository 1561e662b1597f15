package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/bench"
)

func init() { registerSub("bench", newBenchFitCmd) }

func newBenchFitCmd() *cobra.Command {
	var (
		cfg      = bench.FitConfig{Model: "resnet20b", Batch: 128, Threads: 1, LR: 0.01, Seed: 1}
		maxRatio float64
		jsonOut  string
	)
	cmd := &cobra.Command{
		Use:   "fit [--model resnet20b] [--batch 128] [--steps 0] [--threads 1] [--max-ratio R] [--json out.json]",
		Short: "Time training an imported ResNet on Fashion-MNIST against PyTorch",
		Long: `bench fit trains the exported CIFAR ResNet (tools/export_resnets.py, BN
kept) on Fashion-MNIST's training images padded to 32x32 and copied to 3
channels, with SGD (momentum 0.9) and training-mode BatchNormalization,
in Go (hierlearn fit's code) and in Debian's PyTorch 1.13 replaying the
same batches from the same weights (tools/fit_ref.py), in the same run
with the same thread count. --steps N times the first N steps of the
epoch (0: the whole epoch, 469 steps at batch 128) and extrapolates the
time per epoch. Prints both times and their ratio (target <= 1.2x), and
each one's CPU time (all threads; the ratio a busy machine disturbs
least); exits
non-zero only when --max-ratio is given and exceeded. Needs
dataset-fashion-mnist ($HIERLEARN_FASHION_MNIST or
/usr/share/datasets/fashion-mnist).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := bench.Fit(cmd.OutOrStdout(), cfg)
			if err != nil {
				return err
			}
			if jsonOut != "" {
				b, err := json.MarshalIndent(rep, "", "  ")
				if err != nil {
					return err
				}
				if err := atomicfile.WriteBytes(jsonOut, append(b, '\n')); err != nil {
					return fmt.Errorf("writing %s: %w", jsonOut, err)
				}
			}
			if maxRatio > 0 && rep.Ratio > maxRatio {
				return fmt.Errorf("bench fit: Go takes %.2fx torch's time per epoch, above --max-ratio %g", rep.Ratio, maxRatio)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Model, "model", cfg.Model, "CIFAR ResNet of tools/export_resnets.py (resnet20a, resnet20b, resnet56b...)")
	f.IntVar(&cfg.Batch, "batch", cfg.Batch, "examples per step")
	f.IntVar(&cfg.Steps, "steps", 0, "steps timed (0: one whole epoch; fewer: the epoch time extrapolated)")
	f.IntVar(&cfg.Threads, "threads", cfg.Threads, "Go GOMAXPROCS and torch threads")
	f.Float64Var(&cfg.LR, "lr", cfg.LR, "learning rate")
	f.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "batch-order seed")
	f.StringVar(&cfg.DataDir, "data", "", "Fashion-MNIST IDX directory (default $HIERLEARN_FASHION_MNIST, else /usr/share/datasets/fashion-mnist)")
	f.Float64Var(&maxRatio, "max-ratio", 0, "fail when Go's time per epoch exceeds this multiple of torch's (0: never)")
	f.StringVar(&jsonOut, "json", "", "write the report as JSON here")
	return cmd
}
