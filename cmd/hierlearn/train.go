package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/train"
	"github.com/hierlearn/hierlearn/train/gorgoniaengine"
)

// The gorgonia engine (--engine gorgonia) is linked by the command, not by
// the train package.
func init() { gorgoniaengine.Register() }

func init() { register(newTrainCmd) }

func newTrainCmd() *cobra.Command {
	cfg := train.DefaultConfig()
	var trainPath, testPath, conceptPath, out string
	var resume bool
	cmd := &cobra.Command{
		Use:   "train --train TRAIN.npz --test TEST.npz -o runs/NAME/",
		Short: "Train a hierarchical learner (HNet) or a ReLU MLP and measure it after every stage",
		Long: `train fits an HNet (modes progressive, layerwise, e2e, bfc-K) or the ReLU MLP
baseline to a dataset from "hierlearn concept sample" and records, after every
stage, the test relative MSE (0-1 error for classification) and the feature
error e_l of every trained layer against the concept's hidden features.

It writes OUT/config.json, OUT/model.json and OUT/metrics.json. SIGINT or
SIGTERM saves OUT/checkpoint.json; the same command with --resume continues it
to the same model as an uninterrupted run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.Learner == train.LearnerMLP && !cmd.Flags().Changed("mode") {
				cfg.Mode = train.ModeE2E
			}
			if trainPath == "" || testPath == "" || out == "" {
				return fmt.Errorf("--train, --test and -o are required")
			}
			fixRecipe(&cfg)
			if err := cfg.Validate(); err != nil {
				return err
			}
			tr, err := train.LoadData(trainPath)
			if err != nil {
				return err
			}
			te, err := train.LoadData(testPath)
			if err != nil {
				return err
			}
			if conceptPath != "" {
				c, err := concept.Load(conceptPath)
				if err != nil {
					return err
				}
				for _, d := range []*concept.Dataset{tr, te} {
					if err := train.UseConcept(d, c, conceptPath); err != nil {
						return err
					}
				}
				if cfg.Depth == 0 && cfg.Learner == train.LearnerHNet {
					cfg.Depth = len(c.Widths()) + 1
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			opt := train.Options{OutDir: out, Resume: resume}
			if !global.quiet && term.IsTerminal(int(os.Stderr.Fd())) {
				var bar *progressbar.ProgressBar
				opt.Progress = func(done, total int) {
					if bar == nil {
						bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr),
							progressbar.OptionSetDescription("train"), progressbar.OptionShowIts(),
							progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(),
							progressbar.OptionThrottle(100*time.Millisecond))
					}
					if done%64 == 0 || done == total {
						bar.Set(done)
					}
				}
			}
			res, err := train.Run(ctx, cfg, tr, te, opt)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			m := res.Metrics
			for _, s := range m.Stages {
				fmt.Fprintf(w, "stage %d: %s, feature error %s\n", s.Layer, score(s.TestRelMSE, s.TestError), featErr(s.FeatureError))
			}
			fmt.Fprintf(w, "%s %s: %s, %.1f s, %.0f steps/s; wrote %s\n", m.Learner, m.Mode, score(m.TestRelMSE, m.TestError), m.TrainSeconds, m.StepsPerSecond, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&trainPath, "train", "", "training set (.npz from `hierlearn concept sample`)")
	f.StringVar(&testPath, "test", "", "test set (.npz); its s2..sL give the feature errors")
	f.StringVar(&conceptPath, "concept", "", "concept.json: computes hidden features the test set lacks, sets the depth")
	f.StringVarP(&out, "out", "o", "", "run directory (created)")
	f.StringVar(&cfg.Learner, "learner", cfg.Learner, "hnet or mlp")
	f.StringVar(&cfg.Mode, "mode", cfg.Mode, "progressive, layerwise, e2e or bfc-K (the MLP: e2e)")
	f.IntVar(&cfg.Depth, "depth", 0, "HNet depth L (0: from the test set's hidden features or --concept)")
	f.IntVar(&cfg.Width, "width", cfg.Width, "HNet width k' of every layer")
	f.IntSliceVar(&cfg.Hidden, "hidden", cfg.Hidden, "MLP hidden widths")
	f.IntVar(&cfg.StepsPerStage, "steps-per-stage", cfg.StepsPerStage, "steps per stage (e2e and the MLP: (L-1) times this)")
	f.IntVar(&cfg.Batch, "batch", cfg.Batch, "batch size")
	f.Float64Var(&cfg.LR, "lr", cfg.LR, "peak learning rate (one-cycle schedule)")
	f.StringVar(&cfg.DType, "dtype", cfg.DType, "float32 or float64")
	f.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the initialisation and the batch stream")
	f.StringVar(&cfg.Engine, "engine", cfg.Engine, "native (hand-written passes on BLAS, fast) or gorgonia (expression graph + autodiff; HNet only)")
	f.BoolVar(&resume, "resume", false, "continue the interrupted run in -o from its checkpoint")
	addRecipeFlags(f, &cfg)
	return cmd
}

// addRecipeFlags adds --recipe and the plateau recipe's settings, with
// defaults from train.PlateauConfig; under the fixed recipe those settings
// are cleared before the run (fixRecipe).
func addRecipeFlags(f *pflag.FlagSet, cfg *train.Config) {
	p := train.PlateauConfig()
	cfg.Cycle, cfg.Patience, cfg.StepCap, cfg.Restarts, cfg.ValFraction = p.Cycle, p.Patience, p.StepCap, p.Restarts, p.ValFraction
	if cfg.Recipe == "" {
		cfg.Recipe = train.RecipeFixed
	}
	f.StringVar(&cfg.Recipe, "recipe", cfg.Recipe, "fixed (--steps-per-stage steps a stage, the notes' and tools/hnet_ref.py's recipe) or plateau (cycles with warm restarts until the validation error stops improving, best of --restarts candidates per new layer)")
	f.IntVar(&cfg.Cycle, "cycle", cfg.Cycle, "plateau: steps of one learning-rate cycle")
	f.IntVar(&cfg.Patience, "patience", cfg.Patience, "plateau: cycles without a 2% validation improvement before a stage stops")
	f.IntVar(&cfg.StepCap, "step-cap", cfg.StepCap, "plateau: most steps a stage may take (e2e and the MLP: (L-1) times this)")
	f.IntVar(&cfg.Restarts, "restarts", cfg.Restarts, "plateau: candidates r of each newly switched-on layer, chosen on validation data")
	f.Float64Var(&cfg.ValFraction, "val-fraction", cfg.ValFraction, "plateau: share of the training set held out for validation")
	cfg.Clip = 0
	f.Float64Var(&cfg.Clip, "clip", 0, fmt.Sprintf("gradient-norm clip (0: %v under --recipe fixed, %v under plateau)", train.DefaultClip, train.PlateauClip))
}

// fixRecipe clears the plateau settings when the recipe is fixed and sets
// the plateau clip norm when --clip was left at 0 under plateau, so that
// config.json shows only what the run uses.
func fixRecipe(cfg *train.Config) {
	if cfg.Recipe != train.RecipePlateau {
		cfg.Cycle, cfg.Patience, cfg.StepCap, cfg.Restarts, cfg.ValFraction = 0, 0, 0, 0, 0
	} else if cfg.Clip == 0 {
		cfg.Clip = train.PlateauClip
	}
}

func score(relMSE, zeroOne *float64) string {
	if relMSE != nil {
		return fmt.Sprintf("test rel MSE %.4g", *relMSE)
	}
	if zeroOne != nil {
		return fmt.Sprintf("test error %.4g", *zeroOne)
	}
	return "no score"
}

func featErr(m train.FeatureErrors) string {
	s := ""
	for l := 2; l < 64; l++ {
		if e, ok := m[l]; ok {
			s += fmt.Sprintf(" e%d=%.3g", l, e)
		}
	}
	if s == "" {
		return "-"
	}
	return s[1:]
}
