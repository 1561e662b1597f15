package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hierlearn/hierlearn/concept"
)

func init() { registerSub("data", newDataFashionMNISTCmd) }

func newDataFashionMNISTCmd() *cobra.Command {
	var dir, out string
	cmd := &cobra.Command{
		Use:   "fashion-mnist [--dir DIR] -o OUTDIR/",
		Short: "Convert Fashion-MNIST (IDX .gz) to OUTDIR/train.npz and OUTDIR/test.npz",
		Long: `fashion-mnist reads train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from --dir (default
$HIERLEARN_FASHION_MNIST, else /usr/share/datasets/fashion-mnist from the
Debian package dataset-fashion-mnist) and writes OUTDIR/train.npz (60000
rows) and OUTDIR/test.npz (10000 rows): x float64 (n x 784, pixels/255 in
[0, 1]), y int64 labels 0..9, meta (JSON).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("-o OUTDIR is required")
			}
			train, test, err := concept.LoadFashionMNIST(dir)
			if err != nil {
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
					fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d x %d, 10 classes\n", path, p.ds.N, p.ds.D)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory of the IDX .gz files (default $"+concept.FashionMNISTEnv+" or "+concept.DefaultFashionMNISTDir+")")
	cmd.Flags().StringVarP(&out, "output", "o", "", "output directory")
	return cmd
}
