package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/internal/numeric"
	"github.com/hierlearn/hierlearn/internal/version"
)

func init() { register(newVersionCmd) }

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the Go version and the active BLAS",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "hierlearn %s\n", version.Full())
			fmt.Fprintf(w, "go        %s\n", version.GoVersion())
			fmt.Fprintf(w, "blas      %s\n", numeric.BLASName())
			return nil
		},
	}
}
