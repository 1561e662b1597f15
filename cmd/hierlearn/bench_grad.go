package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/bench"
)

func init() { registerSub("bench", newBenchGradCmd) }

func newBenchGradCmd() *cobra.Command {
	var (
		models, jsonOut                string
		batch, threads, warmup, repeat int
	)
	cmd := &cobra.Command{
		Use:   "grad [--models resnet20a,resnet18] [--batch 1] [--threads 1] [--json out.json]",
		Short: "Time forward+backward of imported ResNets against PyTorch",
		Long: `bench grad times forward + backward (gradients of sum(logits) with
respect to every parameter and the input) per call of the exported
ResNets (BN kept, loaded unfolded) in Go and in Debian's PyTorch 1.13
(tools/grad_ref.py bench), in the same run with the same thread count, and
prints the median times and their ratio (target <= 1.5x torch).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := bench.Grad(cmd.OutOrStdout(), bench.GradConfig{
				Models: strings.Split(models, ","), Batch: batch, Threads: threads, Warmup: warmup, Repeat: repeat})
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
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&models, "models", "resnet20a,resnet20b,resnet18", "comma-separated models (tools/export_resnets.py names)")
	f.IntVar(&batch, "batch", 1, "examples per forward+backward")
	f.IntVar(&threads, "threads", 1, "Go GOMAXPROCS and torch threads")
	f.IntVar(&warmup, "warmup", 2, "untimed calls first")
	f.IntVar(&repeat, "repeat", 10, "timed calls (the median is reported)")
	f.StringVar(&jsonOut, "json", "", "write the report as JSON here")
	return cmd
}
