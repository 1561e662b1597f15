package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/concept"
)

func init() {
	registerSub("concept", newConceptNewCmd)
	registerSub("concept", newConceptInfoCmd)
	registerSub("concept", newConceptSampleCmd)
}

func newConceptNewCmd() *cobra.Command {
	def := concept.DefaultSpec()
	s := def
	var widths []int
	var out string
	cmd := &cobra.Command{
		Use:   "new -o CONCEPT.json",
		Short: "Generate a concept (hierarchical quadratic or relu-teacher) and save it as JSON",
		Long: `new draws the weights of a concept from its seed, estimates its
normalisation constants on 100,000 samples of its own seeded stream and writes
everything to a human-readable JSON file (format hierlearn-concept, version 1).

Family hq (default): L = --layers >= 2 quadratic layers, degree 2^L, widths
k_2..k_L (--width 3 gives every layer width 3; --width 3,4 sets them one by
one), skip sets --skip default|chain|dense, output weights --alpha
(default 1,0.3,0.09,...), deep-path gain --gain.
Family relu-teacher: --layers is the depth D (hidden ReLU layers) and
--width their widths k_1..k_D; --alpha, --skip and --gain do not apply.

The same flags always give the same bytes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("-o CONCEPT.json is required")
			}
			s.Widths = widths
			if s.Family == concept.FamilyReLU && !cmd.Flags().Changed("skip") {
				s.Skip = "" // skip sets do not apply
			}
			c, err := concept.New(s)
			if err != nil {
				return err
			}
			if err := c.Save(out); err != nil {
				return err
			}
			if !global.quiet {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %s\n", out, c.Summary())
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "", "concept JSON file to write")
	f.StringVar(&s.Family, "family", def.Family, "concept family: hq or relu-teacher")
	f.IntVar(&s.D, "d", def.D, "input dimension d")
	f.IntVar(&s.Layers, "layers", def.Layers, "hq: number of quadratic layers L >= 2 (degree 2^L); relu-teacher: depth D")
	f.IntSliceVar(&widths, "width", []int{3}, "hidden widths: one value for every layer, or one per layer (k_2..k_L; relu-teacher k_1..k_D)")
	f.StringVar(&s.Skip, "skip", def.Skip, "hq skip sets: default {0,1,l-1}, chain {0,l-1}, dense {0..l-1}")
	f.Float64SliceVar(&s.Alpha, "alpha", nil, "hq output weights alpha_2..alpha_L (default 1,0.3,0.09,... for any L)")
	f.Float64Var(&s.Gain, "gain", def.Gain, "hq deep-path gain w (multiplies W_{l,l-1}, l >= 3)")
	f.StringVar(&s.Task, "task", def.Task, "regression or classification (label = sign(y - median))")
	f.Float64Var(&s.LabelNoise, "label-noise", 0, "classification: probability of flipping each label")
	f.Uint64Var(&s.Seed, "seed", def.Seed, "seed of the weights and normalisation streams")
	return cmd
}

func newConceptInfoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "info CONCEPT.json",
		Short: "Describe a concept: spec, degree, parameter count, variance share per layer",
		Long: `info prints the spec, degree, parameter count and output normalisation of a
concept and, for the hq family, each layer's skip set, width, alpha and share
of Var(y_raw): Cov(alpha_l ||S_l||^2, y_raw) / Var(y_raw), estimated on the
concept's 100,000 normalisation samples (stored in the file; the shares sum
to 1).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := concept.Load(args[0])
			if err != nil {
				return err
			}
			return c.WriteInfo(cmd.OutOrStdout())
		},
	}
}

func newConceptSampleCmd() *cobra.Command {
	var conceptPath, out string
	var n int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "sample --concept CONCEPT.json --n N --seed S -o DATA.npz",
		Short: "Sample a dataset from a concept as .npz (x, y, f, s2..sL, meta)",
		Long: `sample draws N inputs x ~ N(0, I_d) from the sample stream of --seed and
writes an .npz with x (N x d), y (N; ±1 labels for classification), f (the
real-valued output, classification only), the hidden features s2..sL
(N x k_l; h1..hD for a relu-teacher) and meta (JSON: spec, seeds, version).
Load it in numpy with np.load(path); meta is bytes(z["meta"]).decode().`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if conceptPath == "" || out == "" {
				return errors.New("--concept and -o are required")
			}
			c, err := concept.Load(conceptPath)
			if err != nil {
				return err
			}
			ds, err := c.Sample(n, seed)
			if err != nil {
				return err
			}
			ds.Meta["concept_file"] = conceptPath
			if err := ds.Save(out); err != nil {
				return err
			}
			if !global.quiet {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d samples (seed %d) of %s\n", out, n, seed, c.Summary())
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&conceptPath, "concept", "", "concept JSON file (from concept new)")
	f.IntVar(&n, "n", 10000, "number of samples")
	f.Uint64Var(&seed, "seed", 2, "seed of the sample and label-noise streams")
	f.StringVarP(&out, "output", "o", "", ".npz file to write")
	return cmd
}
