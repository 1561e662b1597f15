package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/concept"
)

func init() { registerSub("data", newDataSparseCodingCmd) }

func newDataSparseCodingCmd() *cobra.Command {
	var (
		spec      concept.SparseCodingSpec
		n, nTest  int
		trainSeed uint64
		testSeed  uint64
		out       string
	)
	cmd := &cobra.Command{
		Use:   "sparse-coding --d 100 [--k 10] [--noise 0.1] [--margin 1] [--seed 1] [--n 10000] [--n-test 1000] -o OUTDIR/",
		Short: "Generate the sparse-coding model of feature purification and its data",
		Long: `sparse-coding draws the sparse-coding model of Allen-Zhu & Li, "Feature
Purification" (arXiv 2005.10190): x = M z + xi with M a random orthonormal
d x d dictionary, z with about k non-zero entries (each non-zero with
probability k/d, a random sign times U[1/2, 1]), xi ~ N(0, noise^2/d I) and
y = sign(<w*, z>) with w*_i ~ U[1/2, 1]; with --margin m only codes with
|<w*, z>| >= m are kept. It writes OUTDIR/dictionary.json (M and w*, with a
checksum), OUTDIR/train.npz (--n rows from --train-seed) and OUTDIR/test.npz
(--n-test rows from --test-seed): x float64 (n x d), y (±1), f = <w*, z>,
h1 = z, meta (spec, seeds, version). The model is a pure function of the
spec and --seed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("-o OUTDIR is required")
			}
			sc, err := concept.NewSparseCoding(spec)
			if err != nil {
				return err
			}
			train, err := sc.Sample(n, trainSeed)
			if err != nil {
				return err
			}
			test, err := sc.Sample(nTest, testSeed)
			if err != nil {
				return err
			}
			if err := sc.Save(filepath.Join(out, "dictionary.json")); err != nil {
				return err
			}
			for _, p := range []struct {
				name string
				ds   *concept.Dataset
			}{{"train.npz", train}, {"test.npz", test}} {
				path := filepath.Join(out, p.name)
				if err := p.ds.Save(path); err != nil {
					return err
				}
				if !global.quiet {
					fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d x %d (%s)\n", path, p.ds.N, p.ds.D, sc.Spec)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&spec.D, "d", 100, "dimension and number of dictionary atoms")
	f.IntVar(&spec.K, "k", 0, "expected number of non-zero codes (0: round(sqrt(d)))")
	f.Float64Var(&spec.Noise, "noise", 0.1, "expected norm of the noise xi")
	f.Float64Var(&spec.Margin, "margin", 0, "keep only codes with |<w*, z>| >= margin (0: all)")
	f.Uint64Var(&spec.Seed, "seed", 1, "seed of the dictionary M and of w*")
	f.IntVar(&n, "n", 10000, "training rows")
	f.IntVar(&nTest, "n-test", 1000, "test rows")
	f.Uint64Var(&trainSeed, "train-seed", 2, "seed of the training rows")
	f.Uint64Var(&testSeed, "test-seed", 3, "seed of the test rows")
	f.StringVarP(&out, "output", "o", "", "output directory")
	return cmd
}
