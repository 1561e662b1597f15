package main

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/numeric"
)

func init() { register(newRunCmd) }

func newRunCmd() *cobra.Command {
	var (
		model, out, inputName string
		inputs                []string
		batch                 int
	)
	cmd := &cobra.Command{
		Use:   "run --model MODEL.onnx --input x.npy [--input name=file.npy ...] -o y.npy|dir/ [--batch 64]",
		Short: "Run an ONNX model with hierlearn's native float32 executor",
		Long: `run loads an ONNX model (opsets 1-27, the operator versions listed by the importer
package; anything else is an error naming the node), feeds it .npy inputs
(cast to the model's input element types) and writes its outputs.

--input FILE.npy feeds the first model input not yet given (or the one
--input-name names); --input NAME=FILE.npy names it. -o FILE.npy writes the single output; -o DIR/
writes one NAME.npy per output. --batch N runs the inputs in chunks of N
rows (leading axis) and concatenates the outputs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" || out == "" {
				return fmt.Errorf("--model and -o are required (and --input for each model input)")
			}
			if inputName != "" {
				if len(inputs) != 1 || strings.Contains(inputs[0], "=") {
					return fmt.Errorf("--input-name needs exactly one --input FILE.npy")
				}
				inputs = []string{inputName + "=" + inputs[0]}
			}
			if batch < 0 {
				return fmt.Errorf("--batch %d: must be >= 0", batch)
			}
			numeric.SetBLASThreads(1) // the importer runs its own goroutines
			defer numeric.SetBLASThreads(runtime.GOMAXPROCS(0))
			m, err := importer.Load(model)
			if err != nil {
				return err
			}
			in, err := importer.ReadInputs(m, inputs)
			if err != nil {
				return err
			}
			res, err := importer.RunBatched(importer.NewSession(m), in, batch)
			if err != nil {
				return err
			}
			files, err := importer.WriteOutputs(m, res, out)
			if err != nil {
				return err
			}
			if !global.quiet {
				for _, f := range files {
					fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", f)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "ONNX model file")
	f.StringArrayVar(&inputs, "input", nil, "input .npy: FILE.npy or NAME=FILE.npy (repeat for several inputs)")
	f.StringVar(&inputName, "input-name", "", "model input that the single --input FILE.npy feeds")
	f.StringVarP(&out, "out", "o", "", "output FILE.npy (one output) or DIR/ (one NAME.npy per output)")
	f.IntVar(&batch, "batch", 0, "run in chunks of this many rows (0 = all at once)")
	return cmd
}
