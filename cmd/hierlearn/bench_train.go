package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/internal/atomicfile"
	"github.com/hierlearn/hierlearn/train"
)

func init() {
	registerSub("bench", newBenchBFCCmd)
}

func newBenchBFCCmd() *cobra.Command {
	sc := train.DefaultSeparation()
	var out string
	var seeds []uint
	cmd := &cobra.Command{
		Use:   "bfc",
		Short: "The backward-feature-correction experiment: HNet modes and the ReLU MLP on hq concepts, seeds averaged",
		Long: `bfc generates, for every depth and seed, the default hq concept (d=20, k=3,
alpha 1, 0.3, 0.09, ...), a training and a test set, and trains the HNet in every
mode and the ReLU MLP (2 x 512) on them. It prints the seed-averaged test
relative MSE and layer feature errors, and checks the claims: progressive
<= 1e-3, layerwise >= 5x worse, layer-2 feature error >= 4x lower after
progressive than after layerwise, MLP >= 50x worse.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sc.Seeds = sc.Seeds[:0]
			for _, s := range seeds {
				sc.Seeds = append(sc.Seeds, uint64(s))
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			log := cmd.ErrOrStderr()
			if global.quiet {
				log = nil
			}
			rep, err := train.Separation(ctx, sc, log)
			if err != nil {
				return err
			}
			rep.Table(cmd.OutOrStdout())
			if out != "" {
				b, err := json.MarshalIndent(rep, "", "  ")
				if err != nil {
					return err
				}
				if err := atomicfile.WriteBytes(out, append(b, '\n')); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", out)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&sc.D, "d", sc.D, "input dimension")
	f.IntSliceVar(&sc.Depths, "depths", sc.Depths, "concept depths L")
	f.IntVar(&sc.Width, "width", sc.Width, "concept and HNet width k")
	f.IntVar(&sc.N, "n", sc.N, "training points")
	f.IntVar(&sc.NTest, "n-test", sc.NTest, "test points")
	f.UintSliceVar(&seeds, "seeds", []uint{1, 2, 3}, "seeds (concept, sample and training)")
	f.StringSliceVar(&sc.Modes, "modes", sc.Modes, "HNet modes")
	f.BoolVar(&sc.MLP, "mlp", sc.MLP, "also train the ReLU MLP baseline")
	f.IntVar(&sc.StepsPerStage, "steps-per-stage", sc.StepsPerStage, "steps per stage")
	f.StringVar(&sc.DType, "dtype", sc.DType, "float32 or float64")
	f.StringVarP(&out, "out", "o", "", "write the full report (every run's metrics) as JSON")
	return cmd
}
