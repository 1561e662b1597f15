package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/crosscheck"
	"github.com/hierlearn/hierlearn/internal/numeric"
	"github.com/hierlearn/hierlearn/internal/version"
)

func init() { register(newValidateCmd) }

func newValidateCmd() *cobra.Command {
	var (
		inputs  []string
		engines []string
		batch   int
		runs    int
		seed    uint64
		out     string
	)
	cmd := &cobra.Command{
		Use:   "validate MODEL.onnx [--input x.npy] [--engines native,onnxruntime,onnx-go]",
		Short: "Run a model through several ONNX engines and report where they disagree",
		Long: `validate runs the same inputs through hierlearn's native executor,
onnxruntime (onnxruntime-node via tools/node/ort_run.js) and onnx-go v0.5.0
(gorgonnx backend, where it can load the model), and prints, per output,
the max absolute difference and the max difference relative to the
reference's largest magnitude, against onnxruntime (or the first engine
that runs when onnxruntime is not among --engines). An engine disagrees
when max|diff| > 1e-4 * max|ref| + 1e-6.

Without --input the inputs are random (standard normal, --seed) with
symbolic dimensions set to --batch. --runs N runs the native and onnx-go
engines N times on one loaded model and compares their last outputs (onnx-go
v0.5.0 drifts from run to run). The command fails when an engine disagrees,
and when an engine named in --engines cannot run; without --engines, native
and onnxruntime must run and onnx-go (which loads few models) may not.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			numeric.SetBLASThreads(1) // the importer runs its own goroutines
			defer numeric.SetBLASThreads(runtime.GOMAXPROCS(0))
			m, err := importer.Load(args[0])
			if err != nil {
				return err
			}
			var in map[string]*importer.Tensor
			if len(inputs) > 0 {
				in, err = importer.ReadInputs(m, inputs)
			} else {
				in, err = importer.RandomInputs(m, batch, seed)
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			rep, err := crosscheck.ValidateRuns(w, args[0], in, engines, runs)
			if err != nil {
				return err
			}
			if out != "" {
				b, err := json.MarshalIndent(struct {
					Version string   `json:"version"`
					Seed    uint64   `json:"seed"`
					Batch   int      `json:"batch"`
					Inputs  []string `json:"inputs,omitempty"`
					*crosscheck.Report
				}{version.Full(), seed, batch, inputs, rep}, "", "  ")
				if err != nil {
					return err
				}
				if err := atomicfile.WriteBytes(out, append(b, '\n')); err != nil {
					return err
				}
			}
			var bad, failed []string
			for _, d := range rep.Diffs {
				if !d.Agrees {
					bad = append(bad, d.Engine)
				}
			}
			if len(bad) > 0 {
				return fmt.Errorf("validate: engines disagree with %s: %s", rep.Reference, strings.Join(bad, ", "))
			}
			for _, e := range engines {
				optional := e == "onnx-go" && !cmd.Flags().Changed("engines")
				if msg, ok := rep.Errors[e]; ok && !optional {
					failed = append(failed, e+" ("+msg+")")
				}
			}
			if len(failed) > 0 {
				return fmt.Errorf("validate: requested engines could not run: %s", strings.Join(failed, "; "))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&inputs, "input", nil, "input .npy: FILE.npy or NAME=FILE.npy (default: random)")
	f.StringSliceVar(&engines, "engines", []string{"native", "onnxruntime", "onnx-go"}, "engines to compare: native, onnxruntime, onnx-go")
	f.IntVar(&batch, "batch", 1, "symbolic dimension size for random inputs")
	f.Uint64Var(&seed, "seed", 1, "seed of the random inputs")
	f.IntVar(&runs, "runs", 1, "run native and onnx-go this many times on one loaded model and compare the last run")
	f.StringVarP(&out, "out", "o", "", "also write the report as JSON")
	return cmd
}
