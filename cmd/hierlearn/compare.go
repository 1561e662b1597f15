package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hierlearn/hierlearn/compare"
)

func init() { register(newCompareCmd) }

// progressWriter is stderr when progress bars are wanted: not --quiet and
// stderr is a terminal.
func progressWriter() io.Writer {
	if global.quiet || !term.IsTerminal(int(os.Stderr.Fd())) {
		return nil
	}
	return os.Stderr
}

// parseShard parses "i/N".
func parseShard(s string) (int, int, error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: want i/N with 0 <= i < N, e.g. 0/4", s)
	}
	return i, n, nil
}

func newCompareCmd() *cobra.Command {
	var preset, config, out, shard string
	var list bool
	cmd := &cobra.Command{
		Use:   "compare",
		Short: "Run an experiment (a preset or a config file) and write report.md, results.jsonl and plots",
		Long: `compare runs every cell of an experiment plan (learner x concept x n x seed),
appending one JSON object per finished cell to OUT/results.jsonl, then
writes OUT/report.md (medians over seeds with interquartile ranges and
bootstrap 95% intervals) and plots (PNG and SVG). A finished cell is never recomputed:
rerunning the same command resumes an interrupted or partly failed run. A
failing cell is reported and does not stop the others.

Presets: ` + strings.Join(compare.Presets(), ", ") + `.

--shard i/N runs only cells whose index is i mod N, so N machines (a Slurm
job array, a Kubernetes Indexed Job) can share a sweep; join their output
directories with 'hierlearn compare merge'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (preset == "") == (config == "") {
				return fmt.Errorf("give exactly one of --preset and --config")
			}
			if out == "" {
				return fmt.Errorf("-o DIR is required")
			}
			i, n, err := parseShard(shard)
			if err != nil {
				return err
			}
			var plan compare.Plan
			if preset != "" {
				plan, err = compare.Preset(preset)
			} else {
				var c compare.Config
				c, err = compare.LoadConfig(config)
				if err == nil {
					plan, err = c.Plan()
				}
			}
			if err != nil {
				return err
			}
			if list {
				for k, c := range plan.Cells {
					if n > 1 && k%n != i {
						continue
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%4d %s %s\n", k, c.Key(), c)
				}
				return nil
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			host, _ := os.Hostname()
			sum, err := compare.Run(ctx, plan, out, compare.Options{Shard: i, Shards: n, Progress: progressWriter(), Host: host})
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d cells in this shard, %d already done, %d computed, %d failed\n",
				plan.Name, sum.Total, sum.Skipped, sum.Done, sum.Failed)
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("interrupted; rerun the same command to resume")
				}
				return err
			}
			if err := compare.Report(out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "report: %s/report.md\n", strings.TrimSuffix(out, "/"))
			if sum.Failed > 0 {
				return fmt.Errorf("%d cells failed (listed in the report); rerun to retry them", sum.Failed)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&preset, "preset", "", "built-in plan: "+strings.Join(compare.Presets(), "|"))
	cmd.Flags().StringVar(&config, "config", "", "experiment config file (YAML; schema in compare.Config)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "output directory")
	cmd.Flags().StringVar(&shard, "shard", "", "run only shard i of N (i/N)")
	cmd.Flags().BoolVar(&list, "list", false, "list the plan's cells (of this shard) and exit")
	cmd.AddCommand(newCompareMergeCmd(), newCompareReportCmd())
	return cmd
}

func newCompareMergeCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge DIR... -o OUT",
		Short: "Join the results of shards into one results.jsonl and report",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("-o DIR is required")
			}
			if err := compare.Merge(out, args...); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "report: %s/report.md\n", strings.TrimSuffix(out, "/"))
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "output directory")
	return cmd
}

func newCompareReportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "report DIR",
		Short: "Rebuild DIR/report.md and the plots from DIR/results.jsonl",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return compare.Report(args[0])
		},
	}
}
