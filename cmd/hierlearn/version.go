package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/internal/numeric"
	"github.com/hierlearn/hierlearn/internal/numeric/cpupath"
	"github.com/hierlearn/hierlearn/internal/version"
)

func init() { register(newVersionCmd) }

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the Go version, the active BLAS and kernel path",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "hierlearn %s\n", version.Full())
			fmt.Fprintf(w, "go        %s\n", version.GoVersion())
			fmt.Fprintf(w, "blas      %s\n", numeric.BLASName())
			how := "the best this CPU runs; " + cpupath.EnvVar + " forces one"
			if os.Getenv(cpupath.EnvVar) != "" {
				how = "set by " + cpupath.EnvVar
			}
			fmt.Fprintf(w, "kernels   %s (%s; supported: %s)\n", cpupath.Active(), how, supportedPaths())
			return nil
		},
	}
}

// supportedPaths lists the kernel paths this CPU and build can run.
func supportedPaths() string {
	var s []string
	for _, p := range cpupath.Supported() {
		s = append(s, p.String())
	}
	return strings.Join(s, ", ")
}
