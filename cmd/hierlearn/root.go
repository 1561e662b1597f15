package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/internal/numeric"
	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
)

// subcommands are registered by the init functions of this package's
// files, one file per command, so that commands can be added without
// touching this file.
var subcommands []func() *cobra.Command

func register(f func() *cobra.Command) { subcommands = append(subcommands, f) }

// children holds the subcommands of the group commands (concept, data,
// bench), keyed by the group's name, so that files owned by different
// packages' commands can add to one group.
var children = map[string][]func() *cobra.Command{}

// registerSub adds a subcommand to a group command such as "concept".
func registerSub(group string, f func() *cobra.Command) {
	children[group] = append(children[group], f)
}

// groups are the commands that only hold subcommands.
var groups = []struct{ name, short string }{
	{"concept", "Generate, inspect, sample and export hierarchical concept classes"},
	{"data", "Prepare datasets as .npz files: Fashion-MNIST and generated data (sparse coding, ...)"},
	{"bench", "Benchmarks that print our time against the reference tool's, measured in the same run"},
}

// globalFlags are the flags every command has.
type globalFlags struct {
	quiet    bool
	logLevel string
	threads  int
}

var global globalFlags

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "hierlearn",
		Short: "Hierarchical learning toolkit: concept classes, learners, kernels, ONNX interop",
		Long: `hierlearn generates hierarchical concept classes (compositions of quadratic
layers, after Allen-Zhu & Li, "Backward Feature Correction"), trains
hierarchical learners and kernel baselines on them natively in Go, exports
every model to ONNX and imports external ONNX models (PyTorch ResNets
among them) to run, differentiate and compare them. It also reproduces
feature purification under adversarial training on sparse-coding data
('hierlearn data sparse-coding', 'hierlearn compare --preset purification').`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			var lvl slog.Level
			if err := lvl.UnmarshalText([]byte(global.logLevel)); err != nil {
				return fmt.Errorf("--log-level %q: want debug, info, warn or error", global.logLevel)
			}
			slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})))
			// A kernel path forced by HIERLEARN_KERNEL that cannot run here
			// (unknown, or the CPU lacks it) stops every command.
			if err := cpupath.EnvErr(); err != nil {
				return err
			}
			if global.threads < 0 {
				return fmt.Errorf("--threads %d: must be >= 0", global.threads)
			}
			if global.threads > 0 {
				runtime.GOMAXPROCS(global.threads)
				numeric.SetBLASThreads(global.threads)
			}
			return nil
		},
	}
	root.PersistentFlags().BoolVarP(&global.quiet, "quiet", "q", false, "no progress bars")
	root.PersistentFlags().StringVar(&global.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	root.PersistentFlags().IntVar(&global.threads, "threads", 0, "compute threads (Go and BLAS); 0 = all cores")
	for _, f := range subcommands {
		root.AddCommand(f())
	}
	for _, g := range groups {
		if len(children[g.name]) == 0 {
			continue
		}
		gc := &cobra.Command{Use: g.name, Short: g.short, Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() }}
		for _, f := range children[g.name] {
			gc.AddCommand(f())
		}
		root.AddCommand(gc)
	}
	root.SetErr(os.Stderr)
	return root
}

// Execute runs the root command and prints an error the way every command
// does: "hierlearn: <message>" on stderr.
func execute(root *cobra.Command) error {
	err := root.Execute()
	if err != nil {
		fmt.Fprintln(os.Stderr, "hierlearn:", err)
	}
	return err
}
