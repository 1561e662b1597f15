package main

import (
	"fmt"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/compare"
	"github.com/hierlearn/hierlearn/concept"
	"github.com/hierlearn/hierlearn/export"
	"github.com/hierlearn/hierlearn/importer"
	"github.com/hierlearn/hierlearn/internal/crosscheck"
	"github.com/hierlearn/hierlearn/internal/reftools"
)

func init() { register(newDemoCmd) }

// Demo defaults: the default concept, 10,000 training and 2,000 test samples.
const (
	demoTrainN, demoTestN       = 10_000, 2_000
	demoTrainSeed, demoTestSeed = 2, 3
	demoValidateRows            = 1000
	// --small: the comparison at seed 1 only, with these sizes.
	demoSmallN, demoSmallTest, demoSmallSteps = 1000, 500, 200
)

func newDemoCmd() *cobra.Command {
	var out string
	var dataOnly, small bool
	cmd := &cobra.Command{
		Use:   "demo [-o DIR]",
		Short: "The main job on built-in defaults: the quick comparison, the best learner exported to ONNX and validated",
		Long: fmt.Sprintf(`demo runs the main job on built-in defaults, in a few minutes on 2 cores:

 1. generates the default concept (d=20, L=3, k=3, alpha=1,0.3, default skip
    sets, seed 1) and samples %d training points (seed %d) and %d test
    points (seed %d) into DIR/concept.json, DIR/train.npz, DIR/test.npz;
 2. runs 'hierlearn compare --preset quick -o DIR/compare' (HNet progressive
    and layerwise, a ReLU MLP and two kernels, n=10k, 3 seeds) and prints the
    short table: progressive << layerwise << kernels, and the backward
    feature correction of layer 2;
 3. exports the best learner (HNet progressive, seed 1) to DIR/hnet.onnx and
    validates it: hierlearn's importer against onnxruntime on %d test inputs.

Rerunning resumes: finished comparison cells are not recomputed.
--data-only stops after step 1. --small runs every step in seconds (the
comparison at seed 1 only, n=%d, %d test points, %d steps per stage; the
tests run it): its numbers show nothing.`, demoTrainN, demoTrainSeed, demoTestN, demoTestSeed, demoValidateRows,
			demoSmallN, demoSmallTest, demoSmallSteps),
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
			var test *concept.Dataset
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
				test = ds
			}
			fmt.Fprintf(w, "concept: %s\n", c.Summary())
			if err := c.WriteInfo(w); err != nil {
				return err
			}
			fmt.Fprintf(w, "wrote %s, %s (%d samples, seed %d), %s (%d samples, seed %d)\n",
				filepath.Join(out, "concept.json"), filepath.Join(out, "train.npz"), demoTrainN, demoTrainSeed,
				filepath.Join(out, "test.npz"), demoTestN, demoTestSeed)
			if dataOnly {
				return nil
			}

			// 2. The quick comparison.
			plan, err := compare.Preset("quick")
			if err != nil {
				return err
			}
			if small {
				plan = smallDemo(plan)
			}
			cdir := filepath.Join(out, "compare")
			fmt.Fprintf(w, "\n== hierlearn compare --preset quick -o %s (%d cells)\n", cdir, len(plan.Cells))
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			sum, err := compare.Run(ctx, plan, cdir, compare.Options{Progress: progressWriter()})
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("interrupted; rerun 'hierlearn demo' to resume")
				}
				return err
			}
			if err := compare.Report(cdir); err != nil {
				return err
			}
			if err := compare.WriteSummary(w, cdir); err != nil {
				return err
			}
			fmt.Fprintf(w, "full report with plots: %s\n", filepath.Join(cdir, "report.md"))
			if sum.Failed > 0 {
				return fmt.Errorf("%d comparison cells failed (see the report); rerun to retry them", sum.Failed)
			}

			// 3. Export the best learner and validate it.
			run, err := compare.CellDir(cdir, "hnet:progressive", 1)
			if err != nil {
				return err
			}
			mp, err := export.Run(run, 17)
			if err != nil {
				return err
			}
			onnxPath := filepath.Join(out, "hnet.onnx")
			if err := export.WriteModel(onnxPath, mp); err != nil {
				return err
			}
			fmt.Fprintf(w, "\n== exported the progressive HNet (seed 1) to %s; validating on %d test inputs\n", onnxPath, demoValidateRows)
			rows := min(demoValidateRows, test.N)
			x := make([]float32, rows*test.D)
			for i := range x {
				x[i] = float32(test.X[i])
			}
			xt, err := importer.NewFloat32(x, rows, test.D)
			if err != nil {
				return err
			}
			engines := []string{"native", "onnxruntime"}
			if _, _, err := reftools.Node(); err != nil {
				fmt.Fprintf(w, "onnxruntime is not installed (%v): validating hierlearn's importer alone\n", err)
				engines = engines[:1]
			}
			rep, err := crosscheck.Validate(w, onnxPath, map[string]*importer.Tensor{"x": xt}, engines)
			if err != nil {
				return err
			}
			for _, d := range rep.Diffs {
				if !d.Agrees {
					return fmt.Errorf("%s disagrees with %s on output %s of %s", d.Engine, rep.Reference, d.Output, onnxPath)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "demo-out", "output directory")
	cmd.Flags().BoolVar(&dataOnly, "data-only", false, "only generate the concept and the data")
	cmd.Flags().BoolVar(&small, "small", false, "a seconds-long run of every step, for tests (seed 1, small n)")
	return cmd
}

// smallDemo cuts the comparison to seed 1, demoSmallN training and
// demoSmallTest test points, and demoSmallSteps steps per stage.
func smallDemo(p compare.Plan) compare.Plan {
	var cells []compare.Cell
	for _, c := range p.Cells {
		if c.Seed != 1 {
			continue
		}
		c.N, c.NTest = demoSmallN, demoSmallTest
		if c.Family() != "kernel" {
			c.Options = maps.Clone(c.Options)
			if c.Options == nil {
				c.Options = map[string]any{}
			}
			c.Options["steps_per_stage"] = float64(demoSmallSteps)
		}
		cells = append(cells, c)
	}
	p.Cells = cells
	return p
}
