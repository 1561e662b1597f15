package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/export"
	"github.com/hierlearn/hierlearn/importer"
)

func init() { register(newInspectCmd) }

// importSupport says whether hierlearn's importer runs the model: "yes",
// or "no" with the unsupported operators.
func importSupport(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	unsupported, err := importer.CheckSupport(b)
	if err != nil {
		return "no (" + err.Error() + ")"
	}
	if len(unsupported) == 0 {
		return "yes"
	}
	var list []string
	for _, u := range unsupported {
		list = append(list, u.Error())
	}
	return fmt.Sprintf("no (%d nodes: %s)", len(unsupported), strings.Join(list, "; "))
}

func newInspectCmd() *cobra.Command {
	var dump bool
	cmd := &cobra.Command{
		Use:   "inspect MODEL.onnx",
		Short: "Summarise an ONNX file: producer, IR version, opsets, inputs/outputs, operators, parameters, metadata",
		Long: `inspect reads any ONNX file (hierlearn's exports, PyTorch's, ...) and prints
its producer, IR version, opset imports, inputs and outputs with their
shapes (symbolic dimensions by name), an operator histogram, the number of
parameters (elements of float initializers), the metadata and whether
hierlearn's importer supports every operator (listing those it does not,
with node, domain and opset). --dump lists
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
			s := export.Inspect(m)
			s.Support = importSupport(args[0])
			return s.WriteText(cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&dump, "dump", false, "list every initializer and node instead of the summary")
	return cmd
}
