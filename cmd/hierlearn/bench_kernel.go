package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/internal/bench"
)

func init() { registerSub("bench", newBenchKernelCmd) }

func newBenchKernelCmd() *cobra.Command {
	var (
		sizes, conceptSizes []int
		d, nTest, repeat    int
		seed                uint64
		kernels             []string
		suite, method, out  string
	)
	cmd := &cobra.Command{
		Use:   "kernel",
		Short: "Kernel ridge regression: exact RBF against scikit-learn, and every kernel on the reference concept",
		Long: `--suite sklearn (default) times exact RBF kernel ridge regression (fit +
predict, d=100) against scikit-learn 1.2's KernelRidge on the same data in
the same run, prints both times, their ratio (target <= 0.6) and the
largest relative difference of the predictions. With --repeat R each side
runs R times, alternating, and the minimum times are reported.

--suite concept fits every --kernels kernel, ridge chosen on validation
data, to samples of the reference concept (d=20, L=3, k=3, alpha 1, 0.3)
of each --concept-n size, and prints the test relative MSE.

Timings on a shared machine are noisy: run it alone.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			var rep any
			var err error
			switch suite {
			case "sklearn":
				rep, err = bench.Sklearn(w, sizes, d, nTest, repeat, seed)
			case "concept":
				rep, err = bench.ConceptSweep(w, concept.DefaultSpec(), kernels, conceptSizes, nTest, seed, method)
			default:
				err = fmt.Errorf("--suite %q: want sklearn or concept", suite)
			}
			if err != nil {
				return err
			}
			if out != "" {
				b, err := json.MarshalIndent(rep, "", "  ")
				if err != nil {
					return err
				}
				if err := atomicfile.WriteBytes(out, append(b, '\n')); err != nil {
					return err
				}
				fmt.Fprintf(w, "wrote %s\n", out)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&suite, "suite", "sklearn", "sklearn or concept")
	f.IntSliceVar(&sizes, "n", []int{10000, 20000}, "sklearn suite: training sizes")
	f.IntVar(&d, "d", 100, "sklearn suite: input dimension")
	f.IntVar(&repeat, "repeat", 1, "sklearn suite: rounds (scikit-learn then ours); the minimum times are reported")
	f.IntVar(&nTest, "n-test", 2000, "test points")
	f.Uint64Var(&seed, "seed", 1, "data seed")
	f.IntSliceVar(&conceptSizes, "concept-n", []int{2000, 10000}, "concept suite: training sizes")
	f.StringSliceVar(&kernels, "kernels", []string{"poly:2", "poly:4", "poly:8", "rbf", "ntk:2", "ntk:5", "nngp:2", "comp", "rf-relu:4096", "rf-quad:4096"},
		"concept suite: kernel specs")
	f.StringVar(&method, "method", "exact", "concept suite: exact, cg[:M] or nystrom[:M]")
	f.StringVarP(&out, "out", "o", "", "also write the report as JSON")
	return cmd
}
