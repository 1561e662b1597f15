package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/concept"
)

func init() { register(newDemoCmd) }

// Demo defaults: the default concept, 10,000 training and 2,000 test samples.
const (
	demoTrainN, demoTestN       = 10_000, 2_000
	demoTrainSeed, demoTestSeed = 2, 3
)

func newDemoCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "demo [-o DIR]",
		Short: "The main job on built-in defaults: generate the default concept and sample train/test data",
		Long: fmt.Sprintf(`demo generates the default concept (d=20, L=3, k=3, alpha=1,0.3, default
skip sets, seed 1), samples %d training points (seed %d) and %d test points
(seed %d), writes DIR/concept.json, DIR/train.npz and DIR/test.npz and prints
the concept summary.`, demoTrainN, demoTrainSeed, demoTestN, demoTestSeed),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			c, err := concept.New(concept.DefaultSpec())
			if err != nil {
				return err
			}
			if err := c.Save(filepath.Join(out, "concept.json")); err != nil {
				return err
			}
			for _, p := range []struct {
				name string
				n    int
				seed uint64
			}{{"train.npz", demoTrainN, demoTrainSeed}, {"test.npz", demoTestN, demoTestSeed}} {
				ds, err := c.Sample(p.n, p.seed)
				if err != nil {
					return err
				}
				if err := ds.Save(filepath.Join(out, p.name)); err != nil {
					return err
				}
			}
			fmt.Fprintf(w, "concept: %s\n", c.Summary())
			if err := c.WriteInfo(w); err != nil {
				return err
			}
			fmt.Fprintf(w, "wrote %s, %s (%d samples, seed %d), %s (%d samples, seed %d)\n",
				filepath.Join(out, "concept.json"), filepath.Join(out, "train.npz"), demoTrainN, demoTrainSeed,
				filepath.Join(out, "test.npz"), demoTestN, demoTestSeed)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "demo-out", "output directory")
	return cmd
}
