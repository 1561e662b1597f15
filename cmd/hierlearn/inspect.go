package main

import (
	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/export"
)

func init() { register(newInspectCmd) }

func newInspectCmd() *cobra.Command {
	var dump bool
	cmd := &cobra.Command{
		Use:   "inspect MODEL.onnx",
		Short: "Summarise an ONNX file: producer, IR version, opsets, inputs/outputs, operators, parameters, metadata",
		Long: `inspect reads any ONNX file (hierlearn's exports, PyTorch's, ...) and prints
its producer, IR version, opset imports, inputs and outputs with their
shapes (symbolic dimensions by name), an operator histogram, the number of
parameters (elements of float initializers) and the metadata. --dump lists
the whole graph instead: every initializer (shape, leading values), every
node with its attributes.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := export.ReadModel(args[0])
			if err != nil {
				return err
			}
			if dump {
				return export.Dump(cmd.OutOrStdout(), m)
			}
			return export.Inspect(m).WriteText(cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&dump, "dump", false, "list every initializer and node instead of the summary")
	return cmd
}
