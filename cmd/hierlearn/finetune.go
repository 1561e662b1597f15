package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/importer/analysis"
	"github.com/hierlearn/hierlearn/internal/version"
)

func init() { register(newFinetuneCmd) }

func newFinetuneCmd() *cobra.Command {
	var (
		model, train, output, params, optimizer, out string
		lr, momentum                                 float64
		epochs, batch                                int
		seed                                         uint64
	)
	cmd := &cobra.Command{
		Use:   "finetune --model m.onnx --train d.npz [--params REGEXP] [--optimizer sgd|adam] -o tuned.onnx",
		Short: "Fine-tune selected initializers of an imported ONNX model and write them back",
		Long: `finetune trains the model file's float initializers whose names match
--params (a regular expression; default all) on d.npz (x [N, ...] and y:
int64 labels [N] for cross-entropy on the logits, or float targets of
the output's shape for mean squared error) with mini-batch SGD (with
--momentum) or Adam, the rest frozen (BatchNormalization in inference
form, kept unfolded so that its parameters can be trained), and writes
tuned.onnx: the same graph with those initializers replaced, and the
configuration and version in its metadata_props. The file is written
atomically.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" || train == "" || out == "" {
				return fmt.Errorf("--model, --train and -o are required")
			}
			if optimizer != "sgd" && optimizer != "adam" {
				return fmt.Errorf("--optimizer %q: want sgd or adam", optimizer)
			}
			if epochs < 1 || batch < 1 || lr < 0 {
				return fmt.Errorf("--epochs %d, --batch %d, --lr %g: need epochs >= 1, batch >= 1, lr >= 0", epochs, batch, lr)
			}
			defer oneBLASThread()()
			_, md, ps, err := loadForGradMatching(model, output, params)
			if err != nil {
				return err
			}
			ds, err := concept.LoadExamples(train)
			if err != nil {
				return err
			}
			res, err := md.Finetune(ds, analysis.FinetuneOptions{Optimizer: optimizer, LR: lr, Momentum: momentum,
				Epochs: epochs, Batch: batch, Seed: seed})
			if err != nil {
				return err
			}
			meta := map[string]string{
				"hierlearn.version": version.Full(),
				"hierlearn.finetune": fmt.Sprintf("train=%s params=%s optimizer=%s lr=%g momentum=%g epochs=%d batch=%d seed=%d final_loss=%.6g",
					train, strings.Join(ps, ","), optimizer, lr, momentum, epochs, batch, seed, res.FinalLoss),
			}
			if err := md.WriteModel(model, out, meta); err != nil {
				return err
			}
			if !global.quiet {
				for i, l := range res.EpochLosses {
					fmt.Fprintf(cmd.OutOrStdout(), "epoch %d: mean training loss %.6g\n", i+1, l)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "final loss %.6g after %d steps on %d params tensors; wrote %s\n", res.FinalLoss, res.Steps, len(ps), out)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "ONNX model file")
	f.StringVar(&train, "train", "", ".npz with x [N, ...] and y (int64 labels or float targets)")
	f.StringVar(&output, "output", "", "model output trained (default: the first)")
	f.StringVar(&params, "params", "", "regular expression selecting the initializers to train (default: all)")
	f.StringVar(&optimizer, "optimizer", "adam", "sgd or adam")
	f.Float64Var(&lr, "lr", 0, "learning rate (0 = 0.01 for sgd, 0.001 for adam)")
	f.Float64Var(&momentum, "momentum", 0, "SGD momentum")
	f.IntVar(&epochs, "epochs", 1, "passes over the data")
	f.IntVar(&batch, "batch", 32, "examples per step")
	f.Uint64Var(&seed, "seed", 0, "shuffling seed")
	f.StringVarP(&out, "out", "o", "", "output .onnx")
	return cmd
}
