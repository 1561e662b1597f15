package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/export"
)

func init() { registerSub("concept", newConceptExportCmd) }

func newConceptExportCmd() *cobra.Command {
	var out string
	var opset int
	cmd := &cobra.Command{
		Use:   "export CONCEPT.json -o TARGET.onnx",
		Short: "Export a concept target G* to ONNX (outputs y and the hidden features)",
		Long: `export writes the concept target as an ONNX graph with input x [N,d]
(float32) and outputs y [N] (the standardised concept output) and the
hidden features: s2..sL [N,k_l] for the hq family, h1..hD for the
relu-teacher. For a classification concept y is the real-valued output and
the label is sign(y - median), the median being in the metadata. Opsets 13
and 17 are supported. On any error no file is written.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("-o TARGET.onnx is required")
			}
			if err := export.CheckOpset(opset); err != nil {
				return fmt.Errorf("--opset: %w", err)
			}
			c, err := concept.Load(args[0])
			if err != nil {
				return err
			}
			m, err := export.Concept(c, opset)
			if err != nil {
				return err
			}
			if err := export.WriteModel(out, m); err != nil {
				return err
			}
			if !global.quiet {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (opset %d): %s\n", out, opset, c.Summary())
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "ONNX file to write")
	cmd.Flags().IntVar(&opset, "opset", 17, "ONNX opset: 13 or 17")
	return cmd
}
