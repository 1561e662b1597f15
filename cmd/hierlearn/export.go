package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/export"
)

func init() { register(newExportCmd) }

func newExportCmd() *cobra.Command {
	var run, out string
	var opset int
	cmd := &cobra.Command{
		Use:   "export --run runs/NAME -o MODEL.onnx",
		Short: "Export a trained model (an HNet, MLP or kernel run directory) to ONNX",
		Long: `export writes the model of a ` + "`hierlearn train`" + ` run directory as ONNX.
An HNet (any training mode) gets input x [N,d] (float32) and outputs y [N]
(F(x)) and the hidden features s2..sL [N,k'_l]; the quadratic lifts and the
running-statistics normalisation are constants. An MLP gets output y [N].
A ` + "`hierlearn kernel`" + ` run directory (predictor.npz) of a poly, rbf, ntk or
nngp kernel becomes the Gram against the stored training set times the dual
coefficients (float64 inside the graph); random features become their
feature map and primal weights; outputs y [N] (or [N,C] for multiclass).
The run's config, metrics, seed and version go into metadata_props. Opsets
13 and 17 are supported. On any error no file is written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if run == "" {
				return errors.New("--run runs/NAME is required")
			}
			if out == "" {
				return errors.New("-o MODEL.onnx is required")
			}
			if err := export.CheckOpset(opset); err != nil {
				return fmt.Errorf("--opset: %w", err)
			}
			m, err := export.Run(run, opset)
			if err != nil {
				return err
			}
			if err := export.WriteModel(out, m); err != nil {
				return err
			}
			if !global.quiet {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (opset %d, %s)\n", out, opset, m.Doc())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&run, "run", "", "run directory written by `hierlearn train` (holds model.json)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "ONNX file to write")
	cmd.Flags().IntVar(&opset, "opset", 17, "ONNX opset: 13 or 17")
	return cmd
}
