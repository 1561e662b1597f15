package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/train/kernel"
)

func init() { register(newKernelCmd) }

func newKernelCmd() *cobra.Command {
	c := kernel.RunConfig{Kernel: "rbf", Ridge: "auto", Method: "exact", Seed: 1, ValFraction: 0.2}
	cmd := &cobra.Command{
		Use:   "kernel",
		Short: "Fit a kernel ridge regression baseline (poly, rbf, ntk, comp, random features) and score it",
		Long: `kernel fits kernel ridge regression on the training dataset (a .npz from
"hierlearn concept sample" or "hierlearn data") and scores it on the test one:
relative MSE for regression, sign error for classification, argmax error
(one-vs-rest) for multiclass. The ridge is lambda * tr(K)/n, lambda fixed
(--ridge 1e-3) or chosen from --grid on a --val-fraction validation split
(--ridge auto). It writes config.json, metrics.json and predictor.npz
(kernel.Load reads it) into the output directory.

Kernels: ` + kernel.Specs + `
Methods: exact (dense Cholesky; primal ridge for random features narrower
than n), cg[:M] (float32 Gram + Nystrom-preconditioned CG), nystrom[:M]
(M landmarks, O(M^2) memory: n = 50k-200k).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := kernel.Run(c)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "kernel %s  n_train %d  method %s  ridge %g  fit %.2fs\n", m.Kernel, m.NTrain, m.Method, m.Ridge, m.FitSeconds)
			fmt.Fprintf(w, "test rel MSE %.4g", m.RelMSE)
			if m.Error != nil {
				fmt.Fprintf(w, "  test error %.4f", *m.Error)
			}
			fmt.Fprintf(w, "\nwrote %s\n", c.Out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Train, "train", "", "training dataset (.npz)")
	f.StringVar(&c.Test, "test", "", "test dataset (.npz)")
	f.IntVar(&c.NTrain, "n-train", 0, "use only the first N training points (0: all)")
	f.StringVar(&c.Kernel, "kernel", c.Kernel, "kernel spec: "+kernel.Specs)
	f.StringVar(&c.Ridge, "ridge", c.Ridge, "relative ridge lambda (ridge = lambda tr(K)/n), or auto")
	f.Float64SliceVar(&c.Grid, "grid", kernel.DefaultGrid, "relative ridges tried by --ridge auto")
	f.Float64Var(&c.ValFraction, "val-fraction", c.ValFraction, "share of the training data held out by --ridge auto")
	f.StringVar(&c.Method, "method", c.Method, "exact, cg[:M] or nystrom[:M]")
	f.Uint64Var(&c.Seed, "seed", c.Seed, "seed (validation split, landmarks, random features)")
	f.StringVarP(&c.Out, "out", "o", "", "output directory (runs/NAME/)")
	for _, req := range []string{"train", "test", "out"} {
		_ = cmd.MarkFlagRequired(req)
	}
	return cmd
}
